#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `dlopen`/`dlsym`/`realpath` wrappers that report `dlerror()` as a ``PKCS11Error``.
enum DynamicLibrary {
    /// The canonical path of `path` (symbolic links resolved), or `path` itself when it
    /// cannot be resolved (a bare library name, a missing file).
    static func resolve(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else {
            return path
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `dlopen(path, RTLD_NOW | RTLD_LOCAL)`.
    static func open(_ path: String) throws(PKCS11Error) -> UnsafeMutableRawPointer {
        _ = dlerror()  // clear a stale error
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw PKCS11Error(.loadFailed(reason: lastError() ?? "dlopen failed"), path: path)
        }
        return handle
    }

    /// `dlsym(handle, name)`, or nil when the library has no such symbol.
    static func symbol(_ name: String, in handle: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        _ = dlerror()
        return dlsym(handle, name)
    }

    /// `dlclose(handle)`, for libraries that turned out not to be PKCS#11 modules.
    static func close(_ handle: UnsafeMutableRawPointer) {
        _ = dlclose(handle)
    }

    private static func lastError() -> String? {
        guard let message = dlerror() else {
            return nil
        }
        return String(cString: message)
    }
}
