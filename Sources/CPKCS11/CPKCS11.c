/* Intentionally empty: CPKCS11 only exposes the PKCS#11 header. */
#include "CPKCS11.h"
