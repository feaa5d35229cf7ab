"""ctypes binding of the exported C API (attnlab_flash.h). Needs neither torch nor a GPU to import; every call
returns the library's status, and a non-zero one raises FlashError with the library's one-line message."""
import ctypes
import os

ABI_VERSION = 1
WORKSPACE_BYTES = 256
OK, ERR_INVALID_ARGUMENT, ERR_UNSUPPORTED, ERR_NO_CODE, ERR_DRIVER, ERR_VERSION, ERR_BUFFER, ERR_INTERNAL = range(8)
BF16, FP16 = 0, 1


class FlashError(RuntimeError):
    """A non-zero status of the C API: .code is the attnlab_flash_status, str() the library's message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Problem(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("abi_version", ctypes.c_uint32),
                ("batch", ctypes.c_int64), ("heads", ctypes.c_int64), ("heads_k", ctypes.c_int64),
                ("seqlen_q", ctypes.c_int64), ("seqlen_k", ctypes.c_int64), ("head_dim", ctypes.c_int64),
                ("dtype", ctypes.c_int32), ("causal", ctypes.c_int32), ("softmax_scale", ctypes.c_float)]


class Args(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("abi_version", ctypes.c_uint32), ("problem", Problem),
                ("q", ctypes.c_void_p), ("k", ctypes.c_void_p), ("v", ctypes.c_void_p), ("o", ctypes.c_void_p),
                ("lse", ctypes.c_void_p), ("q_stride", ctypes.c_int64 * 4), ("k_stride", ctypes.c_int64 * 4),
                ("v_stride", ctypes.c_int64 * 4), ("o_stride", ctypes.c_int64 * 4), ("workspace", ctypes.c_void_p),
                ("stream", ctypes.c_void_p)]


def make_problem(batch, heads, heads_k, seqlen_q, seqlen_k, head_dim, dtype=BF16, causal=False, scale=0.0):
    return Problem(ctypes.sizeof(Problem), ABI_VERSION, batch, heads, heads_k, seqlen_q, seqlen_k, head_dim, dtype,
                   1 if causal else 0, scale)


def contiguous_strides(seq, heads, dim):
    return (seq * heads * dim, heads * dim, dim, 1)


def make_args(problem, q, k, v, o, lse=None, q_stride=None, k_stride=None, v_stride=None, o_stride=None,
              workspace=None, stream=None):
    """Pointers as ints (0 / None: NULL); strides default to the contiguous layout."""
    p = problem
    qs = q_stride or contiguous_strides(p.seqlen_q, p.heads, p.head_dim)
    ks = k_stride or contiguous_strides(p.seqlen_k, p.heads_k, p.head_dim)
    vs = v_stride or contiguous_strides(p.seqlen_k, p.heads_k, p.head_dim)
    os_ = o_stride or contiguous_strides(p.seqlen_q, p.heads, p.head_dim)
    arr = ctypes.c_int64 * 4
    return Args(ctypes.sizeof(Args), ABI_VERSION, p, q or None, k or None, v or None, o or None, lse or None,
                arr(*qs), arr(*ks), arr(*vs), arr(*os_), workspace or None, stream or None)


def default_library_path():
    return os.environ.get("ATTNLAB_FLASH_LIBRARY") or os.path.join(os.path.dirname(__file__), "libattnlab_flash.so")


class Library:
    """The exported library, loaded with ctypes (RTLD_LOCAL: two exports can live in one process)."""

    def __init__(self, path=None):
        self.path = path or default_library_path()
        self._lib = ctypes.CDLL(self.path)
        L = self._lib
        L.attnlab_flash_fwd.argtypes = [ctypes.POINTER(Args)]
        L.attnlab_flash_fwd.restype = ctypes.c_int
        L.attnlab_flash_choose_config.argtypes = [ctypes.POINTER(Problem), ctypes.c_char_p, ctypes.c_int,
                                                  ctypes.c_char_p, ctypes.c_size_t]
        L.attnlab_flash_choose_config.restype = ctypes.c_int
        L.attnlab_last_error.argtypes = []
        L.attnlab_last_error.restype = ctypes.c_char_p
        L.attnlab_flash_abi_version.restype = ctypes.c_int
        L.attnlab_flash_archs.restype = ctypes.c_char_p
        L.attnlab_flash_build_info.restype = ctypes.c_char_p
        if L.attnlab_flash_abi_version() != ABI_VERSION:
            raise FlashError(ERR_VERSION, "%s has ABI version %d, this binding speaks %d"
                             % (self.path, L.attnlab_flash_abi_version(), ABI_VERSION))

    def _check(self, code):
        if code != OK:
            raise FlashError(code, self._lib.attnlab_last_error().decode())

    def last_error(self):
        return self._lib.attnlab_last_error().decode()

    def archs(self):
        return self._lib.attnlab_flash_archs().decode().split(",")

    def build_info(self):
        return self._lib.attnlab_flash_build_info().decode()

    def fwd_status(self, args):
        """The raw status of attnlab_flash_fwd (no exception)."""
        return self._lib.attnlab_flash_fwd(ctypes.byref(args))

    def fwd(self, args):
        self._check(self.fwd_status(args))

    def choose_config(self, problem, arch, sm_count=0):
        """(config name, reason) the library would run on arch with sm_count SMs."""
        buf = ctypes.create_string_buffer(1024)
        self._check(self._lib.attnlab_flash_choose_config(ctypes.byref(problem), arch.encode(), sm_count, buf,
                                                          len(buf)))
        name, _, why = buf.value.decode().partition("\t")
        return name, why


_default = None


def library():
    """The package's own library (or $ATTNLAB_FLASH_LIBRARY), loaded once."""
    global _default
    if _default is None:
        _default = Library()
    return _default
