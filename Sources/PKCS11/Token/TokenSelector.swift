/// How configuration names a token.
public enum TokenSelector: Sendable, Hashable, CustomStringConvertible {
    /// The token in this slot.
    case slot(SlotID)
    /// The first token (lowest slot) with this label.
    case label(String)
    /// The token with this serial number.
    case serial(String)

    /// Whether `token` is the one selected.
    public func matches(_ token: TokenInfo) -> Bool {
        switch self {
        case .slot(let slot): token.slot == slot
        case .label(let label): token.label == label
        case .serial(let serial): token.serialNumber == serial
        }
    }

    /// `slot 1`, `label 'ssm'` or `serial '1a2b'`.
    public var description: String {
        switch self {
        case .slot(let slot): "slot \(slot)"
        case .label(let label): "label '\(label)'"
        case .serial(let serial): "serial '\(serial)'"
        }
    }
}
