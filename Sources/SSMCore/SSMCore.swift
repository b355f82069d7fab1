import PKCS11
import SessionPool
// Key service (in progress).
