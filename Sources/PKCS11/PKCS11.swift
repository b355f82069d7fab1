// The typed PKCS#11 layer (in progress).
