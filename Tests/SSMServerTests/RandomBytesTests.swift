import SSMCore
import Testing

@Suite("Random bytes")
struct RandomBytesTests {
    @Test("every draw is fresh, also across refills of the 4 KiB buffer")
    func freshAcrossRefills() {
        // 700 draws of 16 bytes span three refills; a repeated or zeroed block would show.
        let draws = (0..<700).map { _ in RandomBytes.next(16) }
        #expect(draws.allSatisfy { $0.count == 16 })
        #expect(Set(draws).count == draws.count)
        #expect(!draws.contains([UInt8](repeating: 0, count: 16)))
        let odd = RandomBytes.next(4096)
        #expect(odd.count == 4096 && Set(odd).count > 200)  // all 256 values are expected; 200 is far below any real draw
        #expect(RandomBytes.next(0).isEmpty)
    }

    @Test("a batch's IVs: as many as asked, each of the length asked, all different, across several buffers")
    func chunks() {
        let ivs = RandomBytes.chunks(count: 1000, length: 12)  // 12,000 bytes: three draws of the buffer
        #expect(ivs.count == 1000 && ivs.allSatisfy { $0.count == 12 })
        #expect(Set(ivs).count == 1000)
        #expect(!ivs.contains([UInt8](repeating: 0, count: 12)))
        #expect(RandomBytes.chunks(count: 0, length: 12).isEmpty)
    }
}
