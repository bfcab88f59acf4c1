/* A fake CUDA driver for tests on machines without a GPU: device memory is
 * host memory and a few kernels are emulated on the CPU. Only the entry
 * points host-runtime calls exist, with the driver API's C signatures. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long CUdeviceptr;

enum {
    OK = 0,
    INVALID_VALUE = 1,
    INVALID_PTX = 218,
    NOT_FOUND = 500,
    ILLEGAL_ADDRESS = 700,
};

/* Kernel handles. */
static int K_SAXPY, K_AFFINE, K_FAULT, K_BUMP;
static unsigned COUNTER;
static int pending_error;

int cuInit(unsigned flags) { (void)flags; return OK; }
int cuDriverGetVersion(int *v) { *v = 12080; return OK; }
int cuGetErrorString(int e, const char **s) {
    *s = e == ILLEGAL_ADDRESS ? "an illegal memory access was encountered" : "mock error";
    return OK;
}
int cuDeviceGetCount(int *count) { *count = 1; return OK; }
int cuDeviceGet(int *dev, int ordinal) { *dev = ordinal; return OK; }
int cuDeviceGetName(char *name, int len, int dev) {
    (void)dev;
    strncpy(name, "Mock GPU", (size_t)len);
    return OK;
}
int cuDeviceGetAttribute(int *v, int attr, int dev) {
    (void)dev;
    *v = attr == 75 ? 9 : attr == 76 ? 0 : attr == 16 ? 132 : 0;
    return OK;
}
int cuDeviceTotalMem_v2(size_t *bytes, int dev) { (void)dev; *bytes = 1u << 30; return OK; }
int cuDevicePrimaryCtxRetain(void **ctx, int dev) { (void)dev; *ctx = (void *)0x1; return OK; }
int cuDevicePrimaryCtxRelease_v2(int dev) { (void)dev; return OK; }
int cuCtxSetCurrent(void *ctx) { (void)ctx; return OK; }
int cuStreamCreate(void **s, unsigned flags) { (void)flags; *s = (void *)0x2; return OK; }
int cuStreamDestroy_v2(void *s) { (void)s; return OK; }
int cuStreamSynchronize(void *s) {
    (void)s;
    int e = pending_error; /* sticky, like a real fault */
    return e;
}
int cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
    if (n == 0) return INVALID_VALUE;
    *p = (CUdeviceptr)malloc(n);
    return OK;
}
int cuMemFree_v2(CUdeviceptr p) { free((void *)p); return OK; }
int cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *st) {
    (void)st;
    memcpy((void *)d, s, n);
    return pending_error;
}
int cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) {
    (void)st;
    memcpy(d, (void *)s, n);
    return pending_error;
}
int cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, void *st) {
    (void)st;
    memset((void *)d, v, n);
    return OK;
}
int cuModuleLoadDataEx(void **m, const void *image, unsigned n, int *opts, void **vals) {
    if (strstr((const char *)image, "BAD")) {
        for (unsigned i = 0; i < n; i++)
            if (opts[i] == 5) /* CU_JIT_ERROR_LOG_BUFFER */
                strcpy((char *)vals[i], "ptxas fatal   : mock syntax error");
        return INVALID_PTX;
    }
    *m = (void *)0x3;
    return OK;
}
int cuModuleUnload(void *m) { (void)m; return OK; }
int cuModuleGetFunction(void **f, void *m, const char *name) {
    (void)m;
    if (!strcmp(name, "saxpy")) *f = &K_SAXPY;
    else if (!strcmp(name, "affine")) *f = &K_AFFINE;
    else if (!strcmp(name, "fault")) *f = &K_FAULT;
    else if (!strcmp(name, "bump")) *f = &K_BUMP;
    else return NOT_FOUND;
    return OK;
}
int cuModuleGetGlobal_v2(CUdeviceptr *p, size_t *bytes, void *m, const char *name) {
    (void)m;
    if (strcmp(name, "COUNTER")) return NOT_FOUND;
    *p = (CUdeviceptr)&COUNTER;
    *bytes = sizeof COUNTER;
    return OK;
}
int cuFuncSetAttribute(void *f, int attr, int v) { (void)f; (void)attr; (void)v; return OK; }
int cuFuncGetParamInfo(void *f, size_t i, size_t *offset, size_t *size) {
    static const size_t saxpy[] = {4, 4, 8, 8}, affine[] = {8, 8};
    const size_t *sizes = 0;
    size_t count = 0;
    if (f == &K_SAXPY) { sizes = saxpy; count = 4; }
    if (f == &K_AFFINE) { sizes = affine; count = 2; }
    if (i >= count) return INVALID_VALUE;
    *offset = 0;
    *size = sizes[i];
    return OK;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
    (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)stream; (void)extra;
    if (f == &K_SAXPY) {
        unsigned n = *(unsigned *)params[0];
        float a = *(float *)params[1];
        float *x = *(float **)params[2], *y = *(float **)params[3];
        for (unsigned i = 0; i < n && i < gx * bx; i++) y[i] = a * x[i] + y[i];
    } else if (f == &K_AFFINE) {
        float *p = (float *)params[0];
        float *v = *(float **)params[1];
        for (unsigned i = 0; i < bx; i++) v[i] = v[i] * p[0] + p[1];
    } else if (f == &K_BUMP) {
        COUNTER += 1;
    } else if (f == &K_FAULT) {
        pending_error = ILLEGAL_ADDRESS;
    }
    return OK;
}
