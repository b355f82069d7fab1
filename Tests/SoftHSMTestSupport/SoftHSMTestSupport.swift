// SoftHSM test token (in progress).
