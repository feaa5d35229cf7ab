/* attnlab_flash.h: the C API of a kernel exported by `attnlab export` (docs/export.md).
 *
 * One call computes O = softmax(scale * Q K^T [+ causal mask]) V (and optionally the row log-sum-exp) for
 * Q, O of shape (batch, seqlen_q, heads, head_dim) and K, V of shape (batch, seqlen_k, heads_k, head_dim),
 * bf16 or fp16, contiguous in that order. The library allocates nothing, never synchronises the host, and
 * loads its embedded cubins lazily through the CUDA driver (libcuda.so.1, opened at the first launch: the
 * library loads on a machine without a driver and says so through an error code).
 *
 * ABI: every struct starts with struct_size and abi_version; a caller sets them to sizeof(...) and
 * ATTNLAB_FLASH_ABI_VERSION. A library refuses a struct of another ABI version or a smaller size
 * (ATTNLAB_FLASH_ERR_VERSION); fields are only ever appended. Every function returns a status code and
 * leaves a one-line reason in attnlab_last_error() (thread-local, valid until the thread's next call). */
#ifndef ATTNLAB_FLASH_H
#define ATTNLAB_FLASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTNLAB_FLASH_ABI_VERSION 1
/* The most workspace any exported config needs (bytes; see attnlab_flash_args.workspace). */
#define ATTNLAB_FLASH_WORKSPACE_BYTES 256

typedef enum attnlab_flash_status {
  ATTNLAB_FLASH_OK = 0,
  ATTNLAB_FLASH_ERR_INVALID_ARGUMENT = 1, /* null pointer, size < 1, heads not divisible by heads_k, bad scale */
  ATTNLAB_FLASH_ERR_UNSUPPORTED = 2,      /* head dim, dtype, strides or alignment the kernels do not take */
  ATTNLAB_FLASH_ERR_NO_CODE = 3,          /* no embedded code for the GPU's architecture or the problem */
  ATTNLAB_FLASH_ERR_DRIVER = 4,           /* no CUDA driver, no current context, or a driver call failed */
  ATTNLAB_FLASH_ERR_VERSION = 5,          /* struct_size / abi_version of another ABI */
  ATTNLAB_FLASH_ERR_BUFFER = 6,           /* an output buffer too small (attnlab_flash_choose_config) */
  ATTNLAB_FLASH_ERR_INTERNAL = 7
} attnlab_flash_status;

typedef enum attnlab_flash_dtype { ATTNLAB_FLASH_BF16 = 0, ATTNLAB_FLASH_FP16 = 1 } attnlab_flash_dtype;

typedef struct attnlab_flash_problem {
  uint32_t struct_size; /* sizeof(attnlab_flash_problem) */
  uint32_t abi_version; /* ATTNLAB_FLASH_ABI_VERSION */
  int64_t batch, heads, heads_k, seqlen_q, seqlen_k, head_dim;
  int32_t dtype;        /* attnlab_flash_dtype */
  int32_t causal;       /* 0 or 1; bottom-right aligned: query i sees key j iff j <= i + seqlen_k - seqlen_q */
  float softmax_scale;  /* 0: 1/sqrt(head_dim) */
} attnlab_flash_problem;

typedef struct attnlab_flash_args {
  uint32_t struct_size; /* sizeof(attnlab_flash_args) */
  uint32_t abi_version; /* ATTNLAB_FLASH_ABI_VERSION */
  attnlab_flash_problem problem;
  const void* q;
  const void* k;
  const void* v;
  void* o;
  float* lse; /* optional (NULL: not written): (batch, heads, seqlen_q) fp32, natural log */
  /* Strides in elements of the (batch, seq, head, dim) axes. The kernels assume the contiguous layout
   * (Q/O: seqlen_q*heads*d, heads*d, d, 1; K/V with seqlen_k and heads_k); a stride of an axis of size 1
   * is ignored; any other stride is refused (ATTNLAB_FLASH_ERR_UNSUPPORTED), never launched. */
  int64_t q_stride[4], k_stride[4], v_stride[4], o_stride[4];
  /* Device memory of ATTNLAB_FLASH_WORKSPACE_BYTES, zeroed before its first use; the kernel leaves it
   * zeroed. Needed by persistent configs (an error says so when it is NULL); launches that run
   * concurrently (two streams) need one each. */
  void* workspace;
  void* stream; /* CUstream / cudaStream_t; NULL: the legacy default stream of the current context */
} attnlab_flash_args;

/* The forward pass, enqueued on args->stream. */
int attnlab_flash_fwd(const attnlab_flash_args* args);

/* The config attnlab_flash_fwd would run for a problem on an architecture ("sm_90a", "sm_80", "sm_86", ...)
 * with sm_count SMs (0: unknown), written to buf (NUL-terminated) with the reason after a tab:
 * "sm90-m128n128s2-pp-ov-pers\tdispatch: ...". Needs no GPU and no driver. */
int attnlab_flash_choose_config(const attnlab_flash_problem* problem, const char* arch, int sm_count, char* buf,
                                size_t len);

/* The thread's last error message ("" after a success). */
const char* attnlab_last_error(void);
/* ATTNLAB_FLASH_ABI_VERSION of the library. */
int attnlab_flash_abi_version(void);
/* The exported architectures, comma-separated ("sm_90a,sm_80"), and the attnlab version and commit. */
const char* attnlab_flash_archs(void);
const char* attnlab_flash_build_info(void);

#ifdef __cplusplus
}
#endif
#endif /* ATTNLAB_FLASH_H */
