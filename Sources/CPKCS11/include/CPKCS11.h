#ifndef SSM_CPKCS11_H
#define SSM_CPKCS11_H
/* The PKCS#11 API as p11-kit ships it (Debian: libp11-kit-dev). Nothing is
 * linked: the module is dlopen'ed at run time by the PKCS11 target. */
#include <p11-kit-1/p11-kit/pkcs11.h>
#endif
