// attnlab db migrate FILE: the one command that changes a results database's schema. Reading commands
// (tune --replay, tune --export) open databases read-only and refuse an older schema with a pointer here;
// tune refuses it too. The file is copied to FILE.bak first.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "store/results_db.hpp"

namespace attnlab::cli {

void add_db(CLI::App& app) {
  auto* cmd = app.add_subcommand("db", "Results database maintenance (migrate)");
  cmd->require_subcommand(1);
  auto* migrate = cmd->add_subcommand("migrate", "Back up FILE to FILE.bak, then migrate it to this attnlab's schema");
  auto path = std::make_shared<std::string>();
  migrate->add_option("file", *path, "results database")->required();
  migrate->callback([path] {
    // FILE.bak never replaces FILE (a missing FILE is said first, by migrate_file).
    std::error_code ec;
    if (std::filesystem::exists(*path, ec)) check_outputs({{"file", *path + ".bak", OutputKind::file}}, {{"file", *path}});
    const int from = ResultsDb::migrate_file(*path);
    if (from == ResultsDb::kLatestVersion)
      fmt::print("{}: already at schema version {}; nothing changed\n", *path, from);
    else
      fmt::print("{}: migrated from schema version {} to {} (backup: {}.bak)\n", *path, from, ResultsDb::kLatestVersion, *path);
  });
}

}  // namespace attnlab::cli
