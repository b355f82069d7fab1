/*
 * faulty_pkcs11: a fault-injecting PKCS#11 module for tests.
 *
 * Forwards every call to a real module (SoftHSM by default) and, driven by rules from a
 * control file and/or an environment variable, delays chosen functions and makes them return
 * chosen codes, from the N-th call, for M calls, or during a time window. It counts the
 * sessions opened through it and writes the count to a statistics file, so tests can prove
 * that none leak. See README.md next to this file for the rule format and the environment.
 *
 * Built by scripts/build-fault-module.sh (C11, libc + libdl + pthread only).
 *
 * Locking: `state_lock` guards the rules, their counters and the session table; it is never
 * held while sleeping, calling the target or doing file I/O. `reload_lock` serialises the
 * (cheap) check of the control file, `stats_lock` the writing of the statistics file, and
 * `lifecycle_lock` C_Initialize/C_Finalize. Lock order: reload/stats/lifecycle -> state.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define FAULTY_EXPORT __attribute__((visibility("default")))
#define FAULTY_DEFAULT_TARGET "/usr/lib/softhsm/libsofthsm2.so"

/* A control file modified less than this long ago may change again without its size, inode
 * or (coarse-grained) mtime changing: while it is that recent, its content is compared too. */
#define FAULTY_RACY_NS (2LL * 1000 * 1000 * 1000)

/* ------------------------------------------------------------------------------------------ */
/* The function list, in CK_FUNCTION_LIST order.                                               */
/*                                                                                             */
/* F(name, (parameters), (arguments)): forwarded by the generic wrapper.                       */
/* S(name, (parameters), (arguments)): has its own wrapper below (lifecycle, sessions).        */
/* ------------------------------------------------------------------------------------------ */

#define FAULTY_FUNCTIONS(F, S)                                                                  \
    S(C_Initialize, (CK_VOID_PTR a), (a))                                                       \
    S(C_Finalize, (CK_VOID_PTR a), (a))                                                         \
    F(C_GetInfo, (CK_INFO_PTR a), (a))                                                          \
    S(C_GetFunctionList, (CK_FUNCTION_LIST_PTR_PTR a), (a))                                     \
    F(C_GetSlotList, (CK_BBOOL a, CK_SLOT_ID_PTR b, CK_ULONG_PTR c), (a, b, c))                 \
    F(C_GetSlotInfo, (CK_SLOT_ID a, CK_SLOT_INFO_PTR b), (a, b))                                \
    F(C_GetTokenInfo, (CK_SLOT_ID a, CK_TOKEN_INFO_PTR b), (a, b))                              \
    F(C_GetMechanismList, (CK_SLOT_ID a, CK_MECHANISM_TYPE_PTR b, CK_ULONG_PTR c), (a, b, c))   \
    F(C_GetMechanismInfo, (CK_SLOT_ID a, CK_MECHANISM_TYPE b, CK_MECHANISM_INFO_PTR c),         \
      (a, b, c))                                                                                \
    F(C_InitToken, (CK_SLOT_ID a, CK_UTF8CHAR_PTR b, CK_ULONG c, CK_UTF8CHAR_PTR d),            \
      (a, b, c, d))                                                                             \
    F(C_InitPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c), (a, b, c))               \
    F(C_SetPIN,                                                                                 \
      (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c, CK_UTF8CHAR_PTR d, CK_ULONG e),      \
      (a, b, c, d, e))                                                                          \
    S(C_OpenSession,                                                                            \
      (CK_SLOT_ID a, CK_FLAGS b, CK_VOID_PTR c, CK_NOTIFY d, CK_SESSION_HANDLE_PTR e),          \
      (a, b, c, d, e))                                                                          \
    S(C_CloseSession, (CK_SESSION_HANDLE a), (a))                                               \
    S(C_CloseAllSessions, (CK_SLOT_ID a), (a))                                                  \
    F(C_GetSessionInfo, (CK_SESSION_HANDLE a, CK_SESSION_INFO_PTR b), (a, b))                   \
    F(C_GetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))     \
    F(C_SetOperationState,                                                                      \
      (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e), \
      (a, b, c, d, e))                                                                          \
    F(C_Login, (CK_SESSION_HANDLE a, CK_USER_TYPE b, CK_UTF8CHAR_PTR c, CK_ULONG d),            \
      (a, b, c, d))                                                                             \
    F(C_Logout, (CK_SESSION_HANDLE a), (a))                                                     \
    F(C_CreateObject,                                                                           \
      (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b, CK_ULONG c, CK_OBJECT_HANDLE_PTR d),            \
      (a, b, c, d))                                                                             \
    F(C_CopyObject,                                                                             \
      (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d,                 \
       CK_OBJECT_HANDLE_PTR e),                                                                 \
      (a, b, c, d, e))                                                                          \
    F(C_DestroyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b), (a, b))                       \
    F(C_GetObjectSize, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ULONG_PTR c), (a, b, c))    \
    F(C_GetAttributeValue,                                                                      \
      (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d), (a, b, c, d))  \
    F(C_SetAttributeValue,                                                                      \
      (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d), (a, b, c, d))  \
    F(C_FindObjectsInit, (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b, CK_ULONG c), (a, b, c))      \
    F(C_FindObjects,                                                                            \
      (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE_PTR b, CK_ULONG c, CK_ULONG_PTR d), (a, b, c, d))  \
    F(C_FindObjectsFinal, (CK_SESSION_HANDLE a), (a))                                           \
    F(C_EncryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c), (a, b, c))  \
    F(C_Encrypt, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                          \
    F(C_EncryptUpdate, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                    \
    F(C_EncryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))          \
    F(C_DecryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c), (a, b, c))  \
    F(C_Decrypt, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                          \
    F(C_DecryptUpdate, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                    \
    F(C_DecryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))          \
    F(C_DigestInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b), (a, b))                          \
    F(C_Digest, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                           \
    F(C_DigestUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))              \
    F(C_DigestKey, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b), (a, b))                           \
    F(C_DigestFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))           \
    F(C_SignInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c), (a, b, c))     \
    F(C_Sign, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                             \
    F(C_SignUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))                \
    F(C_SignFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))             \
    F(C_SignRecoverInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c),         \
      (a, b, c))                                                                                \
    F(C_SignRecover, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                      \
    F(C_VerifyInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c), (a, b, c))   \
    F(C_Verify,                                                                                 \
      (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG e),              \
      (a, b, c, d, e))                                                                          \
    F(C_VerifyUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))              \
    F(C_VerifyFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))               \
    F(C_VerifyRecoverInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c),       \
      (a, b, c))                                                                                \
    F(C_VerifyRecover, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                    \
    F(C_DigestEncryptUpdate, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                              \
    F(C_DecryptDigestUpdate, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                              \
    F(C_SignEncryptUpdate, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                                \
    F(C_DecryptVerifyUpdate, FAULTY_DATA_PARAMS, FAULTY_DATA_ARGS)                              \
    F(C_GenerateKey,                                                                            \
      (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, CK_ULONG d,                 \
       CK_OBJECT_HANDLE_PTR e),                                                                 \
      (a, b, c, d, e))                                                                          \
    F(C_GenerateKeyPair,                                                                        \
      (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, CK_ULONG d,                 \
       CK_ATTRIBUTE_PTR e, CK_ULONG f, CK_OBJECT_HANDLE_PTR g, CK_OBJECT_HANDLE_PTR h),         \
      (a, b, c, d, e, f, g, h))                                                                 \
    F(C_WrapKey,                                                                                \
      (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_OBJECT_HANDLE d,         \
       CK_BYTE_PTR e, CK_ULONG_PTR f),                                                          \
      (a, b, c, d, e, f))                                                                       \
    F(C_UnwrapKey,                                                                              \
      (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_BYTE_PTR d, CK_ULONG e,  \
       CK_ATTRIBUTE_PTR f, CK_ULONG g, CK_OBJECT_HANDLE_PTR h),                                 \
      (a, b, c, d, e, f, g, h))                                                                 \
    F(C_DeriveKey,                                                                              \
      (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_ATTRIBUTE_PTR d,         \
       CK_ULONG e, CK_OBJECT_HANDLE_PTR f),                                                     \
      (a, b, c, d, e, f))                                                                       \
    F(C_SeedRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))                \
    F(C_GenerateRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))            \
    F(C_GetFunctionStatus, (CK_SESSION_HANDLE a), (a))                                          \
    F(C_CancelFunction, (CK_SESSION_HANDLE a), (a))                                             \
    F(C_WaitForSlotEvent, (CK_FLAGS a, CK_SLOT_ID_PTR b, CK_VOID_PTR c), (a, b, c))

/* (session, input, input length, output, output length) */
#define FAULTY_DATA_PARAMS (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e)
#define FAULTY_DATA_ARGS (a, b, c, d, e)

#define FAULTY_ENUM(name, params, args) FN_##name,
enum { FAULTY_FUNCTIONS(FAULTY_ENUM, FAULTY_ENUM) FN_COUNT };
#define FN_ANY (-1)

#define FAULTY_NAME(name, params, args) #name,
static const char *const function_names[FN_COUNT] = {FAULTY_FUNCTIONS(FAULTY_NAME, FAULTY_NAME)};

/* Every CKR_* code of PKCS#11 v2.40, for rule parsing and messages. */
#define FAULTY_CODE(code) {#code, code},
static const struct {
    const char *name;
    CK_RV value;
} return_codes[] = {
    FAULTY_CODE(CKR_OK) FAULTY_CODE(CKR_CANCEL) FAULTY_CODE(CKR_HOST_MEMORY)
    FAULTY_CODE(CKR_SLOT_ID_INVALID) FAULTY_CODE(CKR_GENERAL_ERROR) FAULTY_CODE(CKR_FUNCTION_FAILED)
    FAULTY_CODE(CKR_ARGUMENTS_BAD) FAULTY_CODE(CKR_NO_EVENT) FAULTY_CODE(CKR_NEED_TO_CREATE_THREADS)
    FAULTY_CODE(CKR_CANT_LOCK) FAULTY_CODE(CKR_ATTRIBUTE_READ_ONLY) FAULTY_CODE(CKR_ATTRIBUTE_SENSITIVE)
    FAULTY_CODE(CKR_ATTRIBUTE_TYPE_INVALID) FAULTY_CODE(CKR_ATTRIBUTE_VALUE_INVALID)
    FAULTY_CODE(CKR_ACTION_PROHIBITED) FAULTY_CODE(CKR_DATA_INVALID) FAULTY_CODE(CKR_DATA_LEN_RANGE)
    FAULTY_CODE(CKR_DEVICE_ERROR) FAULTY_CODE(CKR_DEVICE_MEMORY) FAULTY_CODE(CKR_DEVICE_REMOVED)
    FAULTY_CODE(CKR_ENCRYPTED_DATA_INVALID) FAULTY_CODE(CKR_ENCRYPTED_DATA_LEN_RANGE)
    FAULTY_CODE(CKR_FUNCTION_CANCELED) FAULTY_CODE(CKR_FUNCTION_NOT_PARALLEL)
    FAULTY_CODE(CKR_FUNCTION_NOT_SUPPORTED) FAULTY_CODE(CKR_KEY_HANDLE_INVALID)
    FAULTY_CODE(CKR_KEY_SIZE_RANGE) FAULTY_CODE(CKR_KEY_TYPE_INCONSISTENT) FAULTY_CODE(CKR_KEY_NOT_NEEDED)
    FAULTY_CODE(CKR_KEY_CHANGED) FAULTY_CODE(CKR_KEY_NEEDED) FAULTY_CODE(CKR_KEY_INDIGESTIBLE)
    FAULTY_CODE(CKR_KEY_FUNCTION_NOT_PERMITTED) FAULTY_CODE(CKR_KEY_NOT_WRAPPABLE)
    FAULTY_CODE(CKR_KEY_UNEXTRACTABLE) FAULTY_CODE(CKR_MECHANISM_INVALID)
    FAULTY_CODE(CKR_MECHANISM_PARAM_INVALID) FAULTY_CODE(CKR_OBJECT_HANDLE_INVALID)
    FAULTY_CODE(CKR_OPERATION_ACTIVE) FAULTY_CODE(CKR_OPERATION_NOT_INITIALIZED)
    FAULTY_CODE(CKR_PIN_INCORRECT) FAULTY_CODE(CKR_PIN_INVALID) FAULTY_CODE(CKR_PIN_LEN_RANGE)
    FAULTY_CODE(CKR_PIN_EXPIRED) FAULTY_CODE(CKR_PIN_LOCKED) FAULTY_CODE(CKR_SESSION_CLOSED)
    FAULTY_CODE(CKR_SESSION_COUNT) FAULTY_CODE(CKR_SESSION_HANDLE_INVALID)
    FAULTY_CODE(CKR_SESSION_PARALLEL_NOT_SUPPORTED) FAULTY_CODE(CKR_SESSION_READ_ONLY)
    FAULTY_CODE(CKR_SESSION_EXISTS) FAULTY_CODE(CKR_SESSION_READ_ONLY_EXISTS)
    FAULTY_CODE(CKR_SESSION_READ_WRITE_SO_EXISTS) FAULTY_CODE(CKR_SIGNATURE_INVALID)
    FAULTY_CODE(CKR_SIGNATURE_LEN_RANGE) FAULTY_CODE(CKR_TEMPLATE_INCOMPLETE)
    FAULTY_CODE(CKR_TEMPLATE_INCONSISTENT) FAULTY_CODE(CKR_TOKEN_NOT_PRESENT)
    FAULTY_CODE(CKR_TOKEN_NOT_RECOGNIZED) FAULTY_CODE(CKR_TOKEN_WRITE_PROTECTED)
    FAULTY_CODE(CKR_UNWRAPPING_KEY_SIZE_RANGE) FAULTY_CODE(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)
    FAULTY_CODE(CKR_USER_ALREADY_LOGGED_IN) FAULTY_CODE(CKR_USER_NOT_LOGGED_IN)
    FAULTY_CODE(CKR_USER_PIN_NOT_INITIALIZED) FAULTY_CODE(CKR_USER_TYPE_INVALID)
    FAULTY_CODE(CKR_USER_ANOTHER_ALREADY_LOGGED_IN) FAULTY_CODE(CKR_USER_TOO_MANY_TYPES)
    FAULTY_CODE(CKR_WRAPPED_KEY_INVALID) FAULTY_CODE(CKR_WRAPPED_KEY_LEN_RANGE)
    FAULTY_CODE(CKR_WRAPPING_KEY_HANDLE_INVALID) FAULTY_CODE(CKR_WRAPPING_KEY_SIZE_RANGE)
    FAULTY_CODE(CKR_WRAPPING_KEY_TYPE_INCONSISTENT) FAULTY_CODE(CKR_RANDOM_SEED_NOT_SUPPORTED)
    FAULTY_CODE(CKR_RANDOM_NO_RNG) FAULTY_CODE(CKR_DOMAIN_PARAMS_INVALID)
    FAULTY_CODE(CKR_CURVE_NOT_SUPPORTED) FAULTY_CODE(CKR_BUFFER_TOO_SMALL)
    FAULTY_CODE(CKR_SAVED_STATE_INVALID) FAULTY_CODE(CKR_INFORMATION_SENSITIVE)
    FAULTY_CODE(CKR_STATE_UNSAVEABLE) FAULTY_CODE(CKR_CRYPTOKI_NOT_INITIALIZED)
    FAULTY_CODE(CKR_CRYPTOKI_ALREADY_INITIALIZED) FAULTY_CODE(CKR_MUTEX_BAD)
    FAULTY_CODE(CKR_MUTEX_NOT_LOCKED) FAULTY_CODE(CKR_NEW_PIN_MODE) FAULTY_CODE(CKR_NEXT_OTP)
    FAULTY_CODE(CKR_EXCEEDED_MAX_ITERATIONS) FAULTY_CODE(CKR_FIPS_SELF_TEST_FAILED)
    FAULTY_CODE(CKR_LIBRARY_LOAD_FAILED) FAULTY_CODE(CKR_PIN_TOO_WEAK)
    FAULTY_CODE(CKR_PUBLIC_KEY_INVALID) FAULTY_CODE(CKR_FUNCTION_REJECTED)
};
#define RETURN_CODE_COUNT (sizeof return_codes / sizeof return_codes[0])

/* ------------------------------------------------------------------------------------------ */
/* State                                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    int function;                 /* FN_* index, or FN_ANY */
    CK_RV code;                   /* CKR_OK: only delay, then forward */
    unsigned long long after;     /* first matching call that fires (1-based) */
    unsigned long long count;     /* number of calls that fire; 0 = unlimited */
    unsigned long delay_ms;       /* sleep before returning/forwarding */
    long long from_ms, until_ms;  /* window since (re)load; until_ms < 0 = open-ended */
    unsigned long long seen;      /* matching calls so far */
} rule_t;

typedef struct {
    rule_t *items;
    size_t length;
} rule_set_t;

typedef struct {
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
} file_identity_t;

typedef struct {
    CK_SESSION_HANDLE handle;
    CK_SLOT_ID slot;
} open_session_t;

static struct {
    /* Set once, by load_once(); read-only afterwards. */
    bool load_failed;
    CK_FUNCTION_LIST_PTR target;
    char *control_path;
    char *stats_path;
    bool verbose;
    long long loaded_ms; /* time base of the environment rules */

    /* state_lock */
    pthread_mutex_t state_lock;
    rule_set_t env_rules;
    rule_set_t file_rules;
    long long file_loaded_ms; /* time base of the file rules */
    open_session_t *sessions;
    size_t session_count, session_capacity;

    /* reload_lock */
    pthread_mutex_t reload_lock;
    file_identity_t file_identity;
    char *file_text;
    bool file_racy;

    /* stats_lock */
    pthread_mutex_t stats_lock;

    /* lifecycle_lock */
    pthread_mutex_t lifecycle_lock;
    atomic_bool initialized;    /* C_Initialize succeeded through this module, no C_Finalize since */
    bool owns_initialization;   /* the target's C_Initialize returned CKR_OK (not "already") */
} ctx = {
    .state_lock = PTHREAD_MUTEX_INITIALIZER,
    .reload_lock = PTHREAD_MUTEX_INITIALIZER,
    .stats_lock = PTHREAD_MUTEX_INITIALIZER,
    .lifecycle_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Calls made to each function (rules consulted), faulted or forwarded: faulty_call_count(). */
static atomic_ullong call_counts[FN_COUNT];

static pthread_once_t load_once_control = PTHREAD_ONCE_INIT;
static CK_FUNCTION_LIST function_list; /* filled below, after the wrappers */

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *format, ...) {
    char line[512];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    fprintf(stderr, "faulty_pkcs11: %s\n", line);
}

static long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(unsigned long ms) {
    struct timespec remaining = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&remaining, &remaining) == -1 && errno == EINTR) {
    }
}

static const char *code_name(CK_RV code) {
    for (size_t i = 0; i < RETURN_CODE_COUNT; i++) {
        if (return_codes[i].value == code) {
            return return_codes[i].name;
        }
    }
    return "CKR_(unknown)";
}

static char *copy_environment(const char *name) {
    const char *value = getenv(name);
    return value != NULL && *value != '\0' ? strdup(value) : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Rules                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static bool parse_unsigned(const char *text, unsigned long long *value) {
    if (*text < '0' || *text > '9') {
        return false;
    }
    char *end;
    errno = 0;
    *value = strtoull(text, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool parse_function(const char *text, int *function) {
    if (strcmp(text, "*") == 0) {
        *function = FN_ANY;
        return true;
    }
    for (int i = 0; i < FN_COUNT; i++) {
        if (strcmp(text, function_names[i]) == 0) {
            *function = i;
            return true;
        }
    }
    return false;
}

static bool parse_code(const char *text, CK_RV *code) {
    if (strcmp(text, "OK") == 0) {
        *code = CKR_OK;
        return true;
    }
    for (size_t i = 0; i < RETURN_CODE_COUNT; i++) {
        const char *name = return_codes[i].name;
        if (strcmp(text, name) == 0 || strcmp(text, name + 4) == 0) { /* with or without CKR_ */
            *code = return_codes[i].value;
            return true;
        }
    }
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && text[2] != '\0') {
        char *end;
        errno = 0;
        unsigned long long value = strtoull(text + 2, &end, 16);
        if (errno == 0 && *end == '\0') {
            *code = (CK_RV)value;
            return true;
        }
    }
    return false;
}

/* Parses one rule line (already stripped of comments); false when it is to be ignored. */
static bool parse_rule(char *line, const char *origin, unsigned line_number, rule_t *rule) {
    char *save = NULL;
    char *function = strtok_r(line, " \t\r", &save);
    if (function == NULL) {
        return false; /* blank */
    }
    *rule = (rule_t){.function = FN_ANY, .code = CKR_OK, .after = 1, .until_ms = -1};
    if (!parse_function(function, &rule->function)) {
        say("%s:%u: unknown function '%s', rule ignored", origin, line_number, function);
        return false;
    }
    char *code = strtok_r(NULL, " \t\r", &save);
    if (code == NULL || !parse_code(code, &rule->code)) {
        say("%s:%u: unknown return code '%s', rule ignored", origin, line_number, code ? code : "(none)");
        return false;
    }
    for (char *option; (option = strtok_r(NULL, " \t\r", &save)) != NULL;) {
        char *equals = strchr(option, '=');
        unsigned long long value;
        if (equals == NULL || !parse_unsigned(equals + 1, &value)) {
            say("%s:%u: bad option '%s' (want key=number), rule ignored", origin, line_number, option);
            return false;
        }
        *equals = '\0';
        if (strcmp(option, "after") == 0) {
            rule->after = value == 0 ? 1 : value;
        } else if (strcmp(option, "count") == 0) {
            rule->count = value;
            if (value == 0) {
                say("%s:%u: count=0 never fires, rule ignored", origin, line_number);
                return false;
            }
        } else if (strcmp(option, "delay_ms") == 0) {
            rule->delay_ms = (unsigned long)value;
        } else if (strcmp(option, "from_ms") == 0) {
            rule->from_ms = (long long)value;
        } else if (strcmp(option, "until_ms") == 0) {
            rule->until_ms = (long long)value;
        } else {
            say("%s:%u: unknown option '%s', rule ignored", origin, line_number, option);
            return false;
        }
    }
    return true;
}

/* Parses rules separated by newlines (and by ';' when `semicolons`). Never fails: bad lines
 * are reported on stderr and skipped. */
static rule_set_t parse_rules(const char *text, const char *origin, bool semicolons) {
    rule_set_t set = {0};
    if (text == NULL) {
        return set;
    }
    char *copy = strdup(text);
    if (copy == NULL) {
        return set;
    }
    size_t capacity = 0;
    unsigned line_number = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, semicolons ? "\n;" : "\n", &save); line != NULL;
         line = strtok_r(NULL, semicolons ? "\n;" : "\n", &save)) {
        line_number++;
        char *comment = strchr(line, '#');
        if (comment != NULL) {
            *comment = '\0';
        }
        rule_t rule;
        if (!parse_rule(line, origin, line_number, &rule)) {
            continue;
        }
        if (set.length == capacity) {
            size_t grown = capacity ? capacity * 2 : 8;
            rule_t *items = realloc(set.items, grown * sizeof *items);
            if (items == NULL) {
                break;
            }
            set.items = items;
            capacity = grown;
        }
        set.items[set.length++] = rule;
    }
    free(copy);
    return set;
}

typedef struct {
    bool fires;
    CK_RV code;
    unsigned long delay_ms;
} action_t;

/* Counts the call against every rule of `set` it matches; the first rule whose range covers
 * the call decides the action (unless an earlier set already decided). Under state_lock. */
static void evaluate(rule_set_t *set, long long base_ms, long long now_ms, int function, action_t *action) {
    long long elapsed = now_ms - base_ms;
    for (size_t i = 0; i < set->length; i++) {
        rule_t *rule = &set->items[i];
        if (rule->function != FN_ANY && rule->function != function) {
            continue;
        }
        if (elapsed < rule->from_ms || (rule->until_ms >= 0 && elapsed >= rule->until_ms)) {
            continue;
        }
        rule->seen++;
        if (!action->fires && rule->seen >= rule->after &&
            (rule->count == 0 || rule->seen - rule->after < rule->count)) {
            *action = (action_t){.fires = true, .code = rule->code, .delay_ms = rule->delay_ms};
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Control file                                                                                */
/* ------------------------------------------------------------------------------------------ */

static file_identity_t identify(const char *path) {
    struct stat status;
    if (stat(path, &status) != 0) {
        return (file_identity_t){.exists = false};
    }
    return (file_identity_t){
        .exists = true,
        .dev = status.st_dev,
        .ino = status.st_ino,
        .size = status.st_size,
        .mtime = status.st_mtim,
        .ctime = status.st_ctim,
    };
}

static bool same_identity(const file_identity_t *a, const file_identity_t *b) {
    if (!a->exists || !b->exists) {
        return a->exists == b->exists;
    }
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Whether a file with this identity could still change without its identity changing. */
static bool is_racy(const file_identity_t *identity) {
    if (!identity->exists) {
        return false;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long age = ((long long)now.tv_sec - identity->mtime.tv_sec) * 1000000000LL +
                    (now.tv_nsec - identity->mtime.tv_nsec);
    long long change_age = ((long long)now.tv_sec - identity->ctime.tv_sec) * 1000000000LL +
                           (now.tv_nsec - identity->ctime.tv_nsec);
    return age < FAULTY_RACY_NS || change_age < FAULTY_RACY_NS;
}

/* The whole file as a string, or NULL (missing, unreadable, out of memory). */
static char *read_text(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return NULL;
    }
    size_t length = 0, capacity = 1024;
    char *text = malloc(capacity);
    while (text != NULL) {
        length += fread(text + length, 1, capacity - length - 1, file);
        if (length < capacity - 1) {
            break;
        }
        capacity *= 2;
        char *grown = realloc(text, capacity);
        if (grown == NULL) {
            free(text);
            text = NULL;
        } else {
            text = grown;
        }
    }
    if (text != NULL) {
        text[length] = '\0';
    }
    fclose(file);
    return text;
}

static bool same_text(const char *a, const char *b) {
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

/* Reloads the file rules when the control file changed since the last look: a new identity
 * (inode, size, mtime, ctime), or, while the file is recent enough for a same-identity
 * rewrite to be possible, new content. Reloading resets the rules' counters and time base. */
static void refresh_control_file(void) {
    if (ctx.control_path == NULL) {
        return;
    }
    pthread_mutex_lock(&ctx.reload_lock);
    file_identity_t identity = identify(ctx.control_path);
    bool same = same_identity(&identity, &ctx.file_identity);
    if (!same || ctx.file_racy) {
        char *text = identity.exists ? read_text(ctx.control_path) : NULL;
        if (same && same_text(text, ctx.file_text)) {
            free(text);
        } else {
            rule_set_t rules = parse_rules(text, ctx.control_path, false);
            pthread_mutex_lock(&ctx.state_lock);
            rule_set_t old = ctx.file_rules;
            ctx.file_rules = rules;
            ctx.file_loaded_ms = monotonic_ms();
            pthread_mutex_unlock(&ctx.state_lock);
            free(old.items);
            free(ctx.file_text);
            ctx.file_text = text;
            ctx.file_identity = identity;
            if (ctx.verbose) {
                say("%s: %zu rule(s) loaded", ctx.control_path, rules.length);
            }
        }
        ctx.file_racy = is_racy(&identity);
    }
    pthread_mutex_unlock(&ctx.reload_lock);
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions and statistics                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void write_stats(void) {
    if (ctx.stats_path == NULL) {
        return;
    }
    pthread_mutex_lock(&ctx.stats_lock);
    pthread_mutex_lock(&ctx.state_lock);
    size_t open_sessions = ctx.session_count;
    pthread_mutex_unlock(&ctx.state_lock);
    /* Write a temporary file and rename it, so readers never see a partial file. */
    size_t length = strlen(ctx.stats_path) + 32;
    char *temporary = malloc(length);
    if (temporary != NULL) {
        snprintf(temporary, length, "%s.%ld.tmp", ctx.stats_path, (long)getpid());
        FILE *file = fopen(temporary, "w");
        if (file != NULL) {
            fprintf(file, "open_sessions=%zu\n", open_sessions);
            bool written = fclose(file) == 0;
            if (!written || rename(temporary, ctx.stats_path) != 0) {
                say("cannot write %s: %s", ctx.stats_path, strerror(errno));
                unlink(temporary);
            }
        } else {
            say("cannot write %s: %s", temporary, strerror(errno));
        }
        free(temporary);
    }
    pthread_mutex_unlock(&ctx.stats_lock);
}

static void track_session(CK_SLOT_ID slot, CK_SESSION_HANDLE handle) {
    pthread_mutex_lock(&ctx.state_lock);
    if (ctx.session_count == ctx.session_capacity) {
        size_t grown = ctx.session_capacity ? ctx.session_capacity * 2 : 16;
        open_session_t *sessions = realloc(ctx.sessions, grown * sizeof *sessions);
        if (sessions != NULL) {
            ctx.sessions = sessions;
            ctx.session_capacity = grown;
        }
    }
    if (ctx.session_count < ctx.session_capacity) {
        ctx.sessions[ctx.session_count++] = (open_session_t){.handle = handle, .slot = slot};
    }
    pthread_mutex_unlock(&ctx.state_lock);
    write_stats();
}

static void forget_session(CK_SESSION_HANDLE handle) {
    bool found = false;
    pthread_mutex_lock(&ctx.state_lock);
    for (size_t i = 0; i < ctx.session_count; i++) {
        if (ctx.sessions[i].handle == handle) {
            ctx.sessions[i] = ctx.sessions[--ctx.session_count];
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&ctx.state_lock);
    if (found) {
        write_stats();
    }
}

/* Removes the tracked sessions of `slot` (every slot when `all_slots`) from the table and
 * returns them (malloc'd; *count set), for the caller to close or drop. */
static open_session_t *take_sessions(bool all_slots, CK_SLOT_ID slot, size_t *count) {
    pthread_mutex_lock(&ctx.state_lock);
    open_session_t *taken = malloc((ctx.session_count ? ctx.session_count : 1) * sizeof *taken);
    *count = 0;
    if (taken != NULL) {
        size_t kept = 0;
        for (size_t i = 0; i < ctx.session_count; i++) {
            if (all_slots || ctx.sessions[i].slot == slot) {
                taken[(*count)++] = ctx.sessions[i];
            } else {
                ctx.sessions[kept++] = ctx.sessions[i];
            }
        }
        ctx.session_count = kept;
    }
    pthread_mutex_unlock(&ctx.state_lock);
    return taken;
}

/* Closes, one by one through the target, the sessions opened through this module on `slot`
 * (every slot when `all_slots`): what C_CloseAllSessions and C_Finalize mean for a caller that
 * shares the target with others. Sessions the target fails to close stay tracked. */
static CK_RV close_own_sessions(bool all_slots, CK_SLOT_ID slot) {
    size_t count;
    open_session_t *sessions = take_sessions(all_slots, slot, &count);
    if (sessions == NULL) {
        return CKR_HOST_MEMORY;
    }
    CK_RV result = CKR_OK;
    for (size_t i = 0; i < count; i++) {
        CK_RV rv = ctx.target->C_CloseSession(sessions[i].handle);
        if (rv != CKR_OK && rv != CKR_SESSION_HANDLE_INVALID && rv != CKR_SESSION_CLOSED) {
            if (result == CKR_OK) {
                result = rv;
            }
            track_session(sessions[i].slot, sessions[i].handle);
        }
    }
    free(sessions);
    write_stats();
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void load_once(void) {
    ctx.loaded_ms = monotonic_ms();
    ctx.file_loaded_ms = ctx.loaded_ms;
    ctx.verbose = getenv("FAULTY_PKCS11_VERBOSE") != NULL;
    char *target_path = copy_environment("FAULTY_PKCS11_TARGET");
    const char *path = target_path ? target_path : FAULTY_DEFAULT_TARGET;

    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        say("cannot load the target module %s: %s", path, dlerror());
        ctx.load_failed = true;
        free(target_path);
        return;
    }
    /* Never dlclose'd: some modules (SoftHSM with OpenSSL) crash at exit once unloaded. */
    CK_C_GetFunctionList get_function_list = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    if (get_function_list == C_GetFunctionList) {
        say("the target module %s is this module", path);
        ctx.load_failed = true;
        free(target_path);
        return;
    }
    CK_FUNCTION_LIST_PTR target = NULL;
    CK_RV rv = get_function_list ? get_function_list(&target) : CKR_FUNCTION_NOT_SUPPORTED;
    if (rv != CKR_OK || target == NULL) {
        say("%s: C_GetFunctionList failed (%s)", path, code_name(rv));
        ctx.load_failed = true;
        free(target_path);
        return;
    }
    free(target_path);
    ctx.target = target;
    function_list.version = target->version;

    ctx.control_path = copy_environment("FAULTY_PKCS11_CONTROL");
    ctx.stats_path = copy_environment("FAULTY_PKCS11_STATS");
    ctx.env_rules = parse_rules(getenv("FAULTY_PKCS11_RULES"), "FAULTY_PKCS11_RULES", true);
    write_stats();
}

static bool ensure_loaded(void) {
    pthread_once(&load_once_control, load_once);
    return !ctx.load_failed;
}

/* ------------------------------------------------------------------------------------------ */
/* Wrappers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Consults the rules for a call to `function`. Returns true when the call is to be forwarded
 * (after sleeping, if a rule says so); false with *rv set when it is to fail with that code. */
static bool before_call(int function, CK_RV *rv) {
    atomic_fetch_add(&call_counts[function], 1);
    if (!ensure_loaded()) {
        *rv = CKR_GENERAL_ERROR;
        return false;
    }
    refresh_control_file();
    action_t action = {0};
    pthread_mutex_lock(&ctx.state_lock);
    long long now = monotonic_ms();
    evaluate(&ctx.env_rules, ctx.loaded_ms, now, function, &action);
    evaluate(&ctx.file_rules, ctx.file_loaded_ms, now, function, &action);
    pthread_mutex_unlock(&ctx.state_lock);
    if (!action.fires) {
        return true;
    }
    if (ctx.verbose) {
        say("%s: %s after %lu ms", function_names[function],
            action.code == CKR_OK ? "forwarded" : code_name(action.code), action.delay_ms);
    }
    if (action.delay_ms > 0) {
        sleep_ms(action.delay_ms);
    }
    if (action.code == CKR_OK) {
        return true;
    }
    *rv = action.code;
    return false;
}

/* The checks every forwarding wrapper makes before calling the target. */
#define FAULTY_PROLOGUE(name)                                                                   \
    CK_RV rv;                                                                                   \
    if (!before_call(FN_##name, &rv)) {                                                         \
        return rv;                                                                              \
    }                                                                                           \
    if (!atomic_load(&ctx.initialized)) {                                                         \
        return CKR_CRYPTOKI_NOT_INITIALIZED;                                                    \
    }                                                                                           \
    if (ctx.target->name == NULL) {                                                               \
        return CKR_FUNCTION_NOT_SUPPORTED;                                                      \
    }

#define FAULTY_FORWARD(name, params, args)                                                      \
    static CK_RV w_##name params {                                                              \
        FAULTY_PROLOGUE(name)                                                                   \
        return ctx.target->name args;                                                             \
    }
#define FAULTY_SKIP(name, params, args)
FAULTY_FUNCTIONS(FAULTY_FORWARD, FAULTY_SKIP)

/* C_Initialize: forwarded once; the target's CKR_CRYPTOKI_ALREADY_INITIALIZED (another user
 * in the process initialised it) is success, and then C_Finalize will not finalize it. */
static CK_RV w_C_Initialize(CK_VOID_PTR init_args) {
    CK_RV rv;
    if (!before_call(FN_C_Initialize, &rv)) {
        return rv;
    }
    pthread_mutex_lock(&ctx.lifecycle_lock);
    if (atomic_load(&ctx.initialized)) {
        rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
    } else {
        rv = ctx.target->C_Initialize(init_args);
        if (rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            ctx.owns_initialization = rv == CKR_OK;
            atomic_store(&ctx.initialized, true);
            rv = CKR_OK;
        }
    }
    pthread_mutex_unlock(&ctx.lifecycle_lock);
    return rv;
}

/* C_Finalize: finalizes the target only if this module initialised it; otherwise closes the
 * sessions opened through this module and leaves the target to its other users. */
static CK_RV w_C_Finalize(CK_VOID_PTR reserved) {
    CK_RV rv;
    if (!before_call(FN_C_Finalize, &rv)) {
        return rv;
    }
    pthread_mutex_lock(&ctx.lifecycle_lock);
    if (!atomic_load(&ctx.initialized)) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
    } else if (reserved != NULL) {
        rv = CKR_ARGUMENTS_BAD;
    } else if (ctx.owns_initialization) {
        rv = ctx.target->C_Finalize(reserved);
        if (rv == CKR_OK) {
            size_t count;
            free(take_sessions(true, 0, &count));
            write_stats();
        }
    } else {
        (void)close_own_sessions(true, 0);
        rv = CKR_OK;
    }
    if (rv == CKR_OK) {
        atomic_store(&ctx.initialized, false);
    }
    pthread_mutex_unlock(&ctx.lifecycle_lock);
    return rv;
}

static CK_RV w_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    return C_GetFunctionList(list);
}

static CK_RV w_C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR application, CK_NOTIFY notify,
                             CK_SESSION_HANDLE_PTR session) {
    FAULTY_PROLOGUE(C_OpenSession)
    rv = ctx.target->C_OpenSession(slot, flags, application, notify, session);
    if (rv == CKR_OK && session != NULL) {
        track_session(slot, *session);
    }
    return rv;
}

static CK_RV w_C_CloseSession(CK_SESSION_HANDLE session) {
    FAULTY_PROLOGUE(C_CloseSession)
    rv = ctx.target->C_CloseSession(session);
    /* Invalid or closed: the target has no such session (any more) either. */
    if (rv == CKR_OK || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED) {
        forget_session(session);
    }
    return rv;
}

/* C_CloseAllSessions: forwarded when this module owns the target's initialisation; otherwise
 * only the sessions opened through this module are closed (the target's other users keep
 * theirs: the test process shares SoftHSM between its tests). */
static CK_RV w_C_CloseAllSessions(CK_SLOT_ID slot) {
    FAULTY_PROLOGUE(C_CloseAllSessions)
    if (!ctx.owns_initialization) {
        return close_own_sessions(false, slot);
    }
    rv = ctx.target->C_CloseAllSessions(slot);
    if (rv == CKR_OK) {
        size_t count;
        free(take_sessions(false, slot, &count));
        write_stats();
    }
    return rv;
}

#define FAULTY_TABLE_ENTRY(name, params, args) .name = w_##name,
static CK_FUNCTION_LIST function_list = {
    .version = {CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR},
    FAULTY_FUNCTIONS(FAULTY_TABLE_ENTRY, FAULTY_TABLE_ENTRY)
};

/* ------------------------------------------------------------------------------------------ */
/* Exports                                                                                     */
/* ------------------------------------------------------------------------------------------ */

FAULTY_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    CK_RV rv;
    if (!before_call(FN_C_GetFunctionList, &rv)) {
        return rv;
    }
    if (list == NULL) {
        return CKR_ARGUMENTS_BAD;
    }
    *list = &function_list;
    return CKR_OK;
}

/* The number of sessions opened through this module and not closed yet. */
FAULTY_EXPORT unsigned long faulty_open_sessions(void) {
    pthread_mutex_lock(&ctx.state_lock);
    unsigned long count = (unsigned long)ctx.session_count;
    pthread_mutex_unlock(&ctx.state_lock);
    return count;
}

/* The calls made so far to the function named `name` (`C_Login`), faulted ones included;
 * 0 for an unknown name. */
FAULTY_EXPORT unsigned long long faulty_call_count(const char *name) {
    for (int i = 0; i < FN_COUNT; i++) {
        if (name != NULL && strcmp(function_names[i], name) == 0) {
            return atomic_load(&call_counts[i]);
        }
    }
    return 0;
}
