// attnlab run: attention forward on .npy inputs, so a user can compare against their own framework.
// Q (B,Sq,H,d) and K/V (B,Sk,Hk,d) (or without the batch axis). fp16 as <f2; bf16 as <u2 holding the
// bfloat16 bit patterns; <f4/<f8 with --dtype (rounded to it). O is written in the input's storage
// dtype, LSE as <f4 (B,H,Sq), natural log.
#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "backends/custom/flash_kernel.hpp"
#include "backends/custom/dispatch_table.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/npy.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::string q, k, v, out, lse, dtype, config, dispatch;
  bool causal = false;
  float scale = 0.f;
};

struct Shape4 {
  int64_t b, s, h, d;
};

Shape4 shape_of(const NpyArray& a, const std::string& path) {
  if (a.shape.size() == 4) return {a.shape[0], a.shape[1], a.shape[2], a.shape[3]};
  if (a.shape.size() == 3) return {1, a.shape[0], a.shape[1], a.shape[2]};
  throw UserError(fmt::format("{}: expected shape (batch, seq, heads, dim) or (seq, heads, dim), got {} dims", path,
                              a.shape.size()));
}

std::vector<uint16_t> to_bits16(const NpyArray& a, DType dt) {
  std::vector<uint16_t> bits(a.numel());
  if ((a.descr == "<f2" && dt == DType::f16) || (a.descr == "<u2" && dt == DType::bf16)) {
    std::memcpy(bits.data(), a.data.data(), bits.size() * 2);
    return bits;
  }
  auto f = npy_to_float(a);
  for (size_t i = 0; i < f.size(); ++i) bits[i] = to_bits(dt, f[i]);
  return bits;
}
}  // namespace

void add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run attention forward on .npy inputs and write O (and LSE) as .npy");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--q", o->q, "query .npy (batch, seq_q, heads, dim)")->required();
  cmd->add_option("--k", o->k, "key .npy (batch, seq_k, heads_k, dim)")->required();
  cmd->add_option("--v", o->v, "value .npy (batch, seq_k, heads_k, dim)")->required();
  cmd->add_option("--out,-o", o->out, "output O .npy (same storage dtype as --q)")->required();
  cmd->add_option("--lse", o->lse, "output LSE .npy (<f4, batch x heads x seq_q)");
  cmd->add_flag("--causal", o->causal, "causal mask, aligned bottom-right when seq_q != seq_k");
  cmd->add_option("--scale", o->scale, "softmax scale (default 1/sqrt(dim))")->check(softmax_scale());
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16 (default: fp16 for <f2, bf16 for <u2; required for <f4)");
  cmd->add_option("--config", o->config, "tile config name (default: the head dim's default)");
  cmd->add_option("--dispatch", o->dispatch, "dispatch table (docs/dispatch.md): the config it holds for the shape, else the default")
      ->check(CLI::ExistingFile)
      ->excludes("--config");
  cmd->callback([o] {
    check_outputs({{"--out", o->out, OutputKind::file, true}, {"--lse", o->lse}}, {{"--q", o->q}, {"--k", o->k}, {"--v", o->v}});
    // Regular files: headers first, so dtypes and shapes are checked before any data is read or memory
    // reserved for it. A pipe (python gen.py | ..., <(...)) can be read only once: whole, in chunks.
    const auto regular = [](const std::string& path) {
      std::error_code ec;
      return std::filesystem::is_regular_file(path, ec);
    };
    const auto first_read = [&](const std::string& path) { return regular(path) ? read_npy_header(path) : read_npy(path); };
    NpyArray q = first_read(o->q), k = first_read(o->k), v = first_read(o->v);
    for (auto [arr, path] : {std::pair{&q, &o->q}, {&k, &o->k}, {&v, &o->v}})
      if (auto why = float_descr_problem(arr->descr); !why.empty()) throw UserError(*path + ": " + why);
    if (q.descr != k.descr || q.descr != v.descr)
      throw UserError(fmt::format("q, k, v must have the same dtype (got {}, {}, {})", q.descr, k.descr, v.descr));
    DType dt;
    if (!o->dtype.empty()) dt = parse_dtype(o->dtype);
    else if (q.descr == "<f2") dt = DType::f16;
    else if (q.descr == "<u2") dt = DType::bf16;
    else throw UserError(fmt::format("{}: dtype {} needs --dtype bf16|fp16 (values are rounded to it)", o->q, q.descr));
    if ((q.descr == "<f2" && dt == DType::bf16) || (q.descr == "<u2" && dt == DType::f16))
      throw UserError(fmt::format("{}: storage {} does not hold {}", o->q, q.descr, dtype_name(dt)));
    const Shape4 sq = shape_of(q, o->q), sk = shape_of(k, o->k), sv = shape_of(v, o->v);
    if (sk.b != sv.b || sk.s != sv.s || sk.h != sv.h || sk.d != sv.d)
      throw UserError("k and v must have the same shape");
    if (sq.b != sk.b) throw UserError(fmt::format("batch of q ({}) and k ({}) differ", sq.b, sk.b));
    if (sq.d != sk.d) throw UserError(fmt::format("head dim of q ({}) and k ({}) differ", sq.d, sk.d));
    AttnProblem p;  // 64-bit dims checked before they become ints
    p.batch = narrow_dim(sq.b, o->q + ": batch");
    p.seqlen_q = narrow_dim(sq.s, o->q + ": seq_q");
    p.heads = narrow_dim(sq.h, o->q + ": heads");
    p.head_dim = narrow_dim(sq.d, o->q + ": head dim");
    p.seqlen_k = narrow_dim(sk.s, o->k + ": seq_k");
    p.heads_k = narrow_dim(sk.h, o->k + ": heads_k");
    p.dtype = dt;
    p.causal = o->causal;
    p.softmax_scale = o->scale;
    p.validate_or_throw();
    std::optional<TileConfig> named;
    if (!o->config.empty()) named = parse_config_option("--config", o->config, p.head_dim);
    std::optional<DispatchTable> table;
    if (!o->dispatch.empty()) table = read_dispatch_file(o->dispatch);  // before any GPU work
    for (auto [arr, path] : {std::pair{&q, &o->q}, {&k, &o->k}, {&v, &o->v}}) {
      if (!regular(*path)) continue;  // already read whole
      NpyArray full = read_npy(*path);
      if (full.shape != arr->shape || full.descr != arr->descr) throw UserError(*path + ": changed while being read");
      *arr = std::move(full);
    }

    const DeviceInfo dev = require_device();
    const auto limits = ArchLimits{dev.arch(), dev.smem_per_block_optin};
    TileConfig cfg = named ? *named : default_config_for(p, limits, limits.best_family(), dev.sm_count);
    if (table) {
      const DispatchChoice c = choose_config(*table, p, limits, dev.sm_count);
      fmt::print(stderr, "{}\n", c.note);
      cfg = c.config;
    }
    FlashKernel kernel(cfg, dt, p.head_dim, dev.arch());
    DeviceBuffer dq(p.q_elems() * 2), dk(p.kv_elems() * 2), dv(p.kv_elems() * 2), dout(p.q_elems() * 2),
        dlse(p.lse_elems() * 4);
    dq.upload(to_bits16(q, dt));
    dk.upload(to_bits16(k, dt));
    dv.upload(to_bits16(v, dt));
    dout.fill_bytes(0xff);
    dlse.fill_bytes(0xff);
    kernel.run(p, {dq.get(), dk.get(), dv.get(), dout.get(), dlse.as<float>()}, nullptr);
    ATTN_CUDA(cudaDeviceSynchronize());
    auto bits = dout.download<uint16_t>(p.q_elems());
    NpyArray out;
    if (q.descr == "<f2" || q.descr == "<u2") {
      out.descr = q.descr;
      out.shape = q.shape;
      out.data.resize(bits.size() * 2);
      std::memcpy(out.data.data(), bits.data(), out.data.size());
    } else {
      std::vector<float> f(bits.size());
      for (size_t i = 0; i < f.size(); ++i) f[i] = from_bits(dt, bits[i]);
      out = npy_from_float(f, q.shape, q.descr);
    }
    write_npy(o->out, out);
    if (!o->lse.empty())
      write_npy(o->lse, npy_from_float(dlse.download<float>(p.lse_elems()), {sq.b, sq.h, sq.s}, "<f4"));
    fmt::print("{} config {} -> {}{}\n", p.describe(), cfg.name(), o->out, o->lse.empty() ? "" : ", " + o->lse);
  });
}

}  // namespace attnlab::cli
