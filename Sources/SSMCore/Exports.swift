// The value types of the lower layers that are part of SSMCore's own API: what a key is (`KeyInfo`
// and its parts), how a key is asked for (`SecretKeyType`, `KeyID`, `DigestAlgorithm`), how the token is chosen
// (`TokenSelector`) and how the pool is configured and reported (`PoolConfiguration`,
// `PoolStatistics`). Adapters and the executable import SSMCore alone and get these names with it;
// everything that *acts* on the HSM (modules, sessions, handles' operations, `PKCS11Error`,
// `PoolError`) stays behind SSMCore's services and `SSMError`.
//
// Scoped re-exports, as Hummingbird re-exports HTTPTypes' request and response: a single type per
// line, never a whole module.

@_exported @_documentation(visibility: internal) import enum PKCS11.DigestAlgorithm
@_exported @_documentation(visibility: internal) import struct PKCS11.KeyID
@_exported @_documentation(visibility: internal) import struct PKCS11.KeyInfo
@_exported @_documentation(visibility: internal) import enum PKCS11.KeyType
@_exported @_documentation(visibility: internal) import struct PKCS11.KeyUsage
@_exported @_documentation(visibility: internal) import struct PKCS11.ObjectHandle
@_exported @_documentation(visibility: internal) import enum PKCS11.SecretKeyType
@_exported @_documentation(visibility: internal) import enum PKCS11.TokenSelector
@_exported @_documentation(visibility: internal) import struct SessionPool.PoolConfiguration
@_exported @_documentation(visibility: internal) import struct SessionPool.PoolStatistics
@_exported @_documentation(visibility: internal) import struct SessionPool.WaitStatistics
