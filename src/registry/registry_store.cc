#include "registry/registry_store.h"

#include <array>
#include <map>
#include <unordered_map>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace pingan::registry {

namespace {

// Each entry migrates from version i to i + 1. Never edit a released entry: add one.
constexpr std::array<const char*, 1> kMigrations = {
    R"sql(
    CREATE TABLE places (
      id            INTEGER PRIMARY KEY,
      external_id   TEXT UNIQUE,           -- the source system's id; NULL when entered by hand
      name          TEXT NOT NULL,
      category      TEXT NOT NULL,
      sub_kind      TEXT NOT NULL,
      address       TEXT NOT NULL,
      lon           REAL,                  -- WGS84; both NULL when unknown
      lat           REAL,
      station_id    TEXT NOT NULL,
      grid_id       TEXT NOT NULL,
      contact_name  TEXT NOT NULL,
      contact_phone TEXT NOT NULL,
      officer       TEXT NOT NULL,
      notes         TEXT NOT NULL,
      created_at    INTEGER NOT NULL,      -- Unix epoch milliseconds
      updated_at    INTEGER NOT NULL,
      CHECK (name <> '' AND category <> ''),
      CHECK ((lon IS NULL) = (lat IS NULL))
    );
    CREATE INDEX places_by_category ON places(category, sub_kind);
    CREATE INDEX places_by_station ON places(station_id, category, sub_kind);
    CREATE INDEX places_by_grid ON places(grid_id);
    -- The places' locations as points, kept by the triggers below.
    CREATE VIRTUAL TABLE places_at USING rtree(id, min_lon, max_lon, min_lat, max_lat);
    CREATE TRIGGER places_at_insert AFTER INSERT ON places WHEN new.lon IS NOT NULL
      BEGIN INSERT INTO places_at VALUES (new.id, new.lon, new.lon, new.lat, new.lat); END;
    CREATE TRIGGER places_at_update AFTER UPDATE OF lon, lat ON places BEGIN
      DELETE FROM places_at WHERE id = old.id;
      INSERT INTO places_at SELECT new.id, new.lon, new.lon, new.lat, new.lat
        WHERE new.lon IS NOT NULL;
    END;
    CREATE TRIGGER places_at_delete AFTER DELETE ON places
      BEGIN DELETE FROM places_at WHERE id = old.id; END;

    CREATE TABLE campaigns (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL,
      categories  TEXT NOT NULL,           -- JSON array of category codes; [] = all
      station_ids TEXT NOT NULL,           -- JSON array; [] = all
      from_day    TEXT NOT NULL,           -- YYYY-MM-DD, district days, inclusive
      to_day      TEXT NOT NULL,
      notes       TEXT NOT NULL,
      created_by  TEXT NOT NULL,
      created_at  INTEGER NOT NULL
    );

    CREATE TABLE inspections (
      id          INTEGER PRIMARY KEY,
      place_id    INTEGER NOT NULL REFERENCES places(id),
      campaign_id INTEGER REFERENCES campaigns(id),
      day         TEXT NOT NULL,
      inspector   TEXT NOT NULL,
      result      TEXT NOT NULL CHECK (result IN ('ok', 'hazards_found')),
      notes       TEXT NOT NULL,
      created_by  TEXT NOT NULL,
      created_at  INTEGER NOT NULL
    );
    CREATE INDEX inspections_by_place ON inspections(place_id, day);
    CREATE INDEX inspections_by_campaign ON inspections(campaign_id, place_id);
    CREATE INDEX inspections_by_day ON inspections(day);

    CREATE TABLE hazards (
      id            INTEGER PRIMARY KEY,
      inspection_id INTEGER NOT NULL REFERENCES inspections(id),
      place_id      INTEGER NOT NULL REFERENCES places(id),
      description   TEXT NOT NULL,
      priority      INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
      photos        TEXT NOT NULL,         -- JSON array of photo ids
      case_id       INTEGER                -- the hazard case in the ledger; NULL until opened
    );
    CREATE INDEX hazards_by_inspection ON hazards(inspection_id);
    CREATE INDEX hazards_without_case ON hazards(id) WHERE case_id IS NULL;

    CREATE TABLE outreach (
      id          INTEGER PRIMARY KEY,
      day         TEXT NOT NULL,
      place       TEXT NOT NULL,
      lon         REAL,
      lat         REAL,
      kind        TEXT NOT NULL,
      audience    INTEGER NOT NULL CHECK (audience >= 0),
      station_id  TEXT NOT NULL,
      notes       TEXT NOT NULL,
      created_by  TEXT NOT NULL,
      created_at  INTEGER NOT NULL
    );
    CREATE INDEX outreach_by_day ON outreach(day);
    CREATE INDEX outreach_by_station ON outreach(station_id, day);
    )sql",
};

// From this many rows an import indexes the locations after the rows (ImportPlaces).
constexpr size_t kBulkImportRows = 1000;

constexpr const char* kPlaceColumns =
    "p.id, p.external_id, p.name, p.category, p.sub_kind, p.address, p.lon, p.lat, p.station_id, "
    "p.grid_id, p.contact_name, p.contact_phone, p.officer, p.notes, p.created_at, p.updated_at";
constexpr const char* kInspectionColumns =
    "i.id, i.place_id, i.campaign_id, i.day, i.inspector, i.result, i.notes, i.created_by, "
    "i.created_at";
constexpr const char* kOutreachColumns =
    "o.id, o.day, o.place, o.lon, o.lat, o.kind, o.audience, o.station_id, o.notes, o.created_by, "
    "o.created_at";

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

Value TextOrNull(const std::string& s) {
  return s.empty() ? Value(nullptr) : Value(s);
}

// A cached prepared statement, borrowed: reset and unbound when the borrow ends.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt(Stmt&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  // Binds `values` to ?1, ?2, ... in order.
  Stmt& Bind(const std::vector<Value>& values) {
    for (size_t i = 0; i < values.size(); ++i) BindAt(static_cast<int>(i) + 1, values[i]);
    return *this;
  }
  void BindAt(int at, const Value& v) {
    if (std::holds_alternative<std::nullptr_t>(v)) {
      sqlite3_bind_null(s_, at);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      sqlite3_bind_int64(s_, at, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      sqlite3_bind_double(s_, at, *d);
    } else {
      const std::string& t = std::get<std::string>(v);
      sqlite3_bind_text(s_, at, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
    }
  }
  int Step() { return sqlite3_step(s_); }

  std::int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Real(int col) const { return sqlite3_column_double(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(s_, col);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<size_t>(sqlite3_column_bytes(s_, col)));
  }

 private:
  sqlite3_stmt* s_;
};

std::optional<LonLat> ReadLonLat(const Stmt& s, int lon_col) {
  if (s.IsNull(lon_col) || s.IsNull(lon_col + 1)) return std::nullopt;
  return LonLat{s.Real(lon_col), s.Real(lon_col + 1)};
}

Place ReadPlace(const Stmt& s) {
  Place p;
  p.id = s.Int(0);
  p.external_id = s.Text(1);
  p.name = s.Text(2);
  p.category = s.Text(3);
  p.sub_kind = s.Text(4);
  p.address = s.Text(5);
  p.location = ReadLonLat(s, 6);
  p.station_id = s.Text(8);
  p.grid_id = s.Text(9);
  p.contact_name = s.Text(10);
  p.contact_phone = s.Text(11);
  p.officer = s.Text(12);
  p.notes = s.Text(13);
  p.created_at = FromMillis(s.Int(14));
  p.updated_at = FromMillis(s.Int(15));
  return p;
}

// The day columns hold only what FormatDay wrote.
Day ReadDay(const Stmt& s, int col) {
  return ParseDay(s.Text(col)).value_or(Day{});
}

Inspection ReadInspection(const Stmt& s) {
  Inspection in;
  in.id = s.Int(0);
  in.place_id = s.Int(1);
  in.campaign_id = s.IsNull(2) ? 0 : s.Int(2);
  in.date = ReadDay(s, 3);
  in.inspector = s.Text(4);
  in.result = s.Text(5);
  in.notes = s.Text(6);
  in.created_by = s.Text(7);
  in.created_at = FromMillis(s.Int(8));
  return in;
}

OutreachEvent ReadOutreach(const Stmt& s) {
  OutreachEvent e;
  e.id = s.Int(0);
  e.date = ReadDay(s, 1);
  e.place = s.Text(2);
  e.location = ReadLonLat(s, 3);
  e.kind = s.Text(5);
  e.audience = s.Int(6);
  e.station_id = s.Text(7);
  e.notes = s.Text(8);
  e.created_by = s.Text(9);
  e.created_at = FromMillis(s.Int(10));
  return e;
}

std::vector<std::string> StringList(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!doc.is_array()) return out;
  for (const auto& v : doc)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string ListJson(const std::vector<std::string>& list) {
  return nlohmann::json(list).dump();
}

// "(?, ?, ?)" for `n` values, appending them to `args`.
std::string InList(const std::vector<std::string>& values, std::vector<Value>& args) {
  std::string sql = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    sql += i == 0 ? "?" : ", ?";
    args.emplace_back(values[i]);
  }
  return sql + ")";
}

// A LIKE pattern finding `text` anywhere, with \ escaping the pattern characters.
std::string ContainsPattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

}  // namespace

struct RegistryStore::Impl {
  // BEGIN IMMEDIATE … COMMIT, rolled back unless committed.
  class Transaction {
   public:
    explicit Transaction(Impl& impl) : impl_(impl) {}
    ~Transaction() {
      if (is_open_) (void)impl_.Exec("ROLLBACK");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Status Begin() {
      if (Status s = impl_.Exec("BEGIN IMMEDIATE"); !s) return s;
      is_open_ = true;
      return {};
    }
    Status Commit() {
      if (Status s = impl_.Exec("COMMIT"); !s) return s;
      is_open_ = false;
      return {};
    }

   private:
    Impl& impl_;
    bool is_open_ = false;
  };

  sqlite3* db = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements;

  ~Impl() {
    for (auto& [sql, s] : statements) sqlite3_finalize(s);
    sqlite3_close_v2(db);
  }

  Error SqlError(std::string_view what) const {
    return Error{
        ErrorCode::kInternal, fmt::format("registry: {}: {}", what, sqlite3_errmsg(db)), {}};
  }

  Status Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return Error{ErrorCode::kInternal, "registry: " + text, {}};
    }
    return {};
  }

  // The prepared statement for `sql`, prepared once and kept; null when it does not prepare
  // (sqlite3_errmsg says why).
  sqlite3_stmt* Prepare(const std::string& sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
          SQLITE_OK) {
        sqlite3_finalize(s);
        return nullptr;
      }
      it = statements.emplace(sql, s).first;
    }
    return it->second;
  }

  // Runs `sql` with `args`, expecting no rows.
  Status Run(const std::string& sql, const std::vector<Value>& args) {
    sqlite3_stmt* prepared = Prepare(sql);
    if (prepared == nullptr) return SqlError("prepare");
    Stmt s(prepared);
    s.Bind(args);
    if (s.Step() != SQLITE_DONE) return SqlError("write");
    return {};
  }

  // Runs `sql` with `args`, calling `row` for each row.
  template <typename F>
  Status Each(const std::string& sql, const std::vector<Value>& args, F&& row) {
    sqlite3_stmt* prepared = Prepare(sql);
    if (prepared == nullptr) return SqlError("prepare");
    Stmt s(prepared);
    s.Bind(args);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) row(s);
    if (rc != SQLITE_DONE) return SqlError("read");
    return {};
  }

  // The single integer `sql` yields.
  Result<std::int64_t> Integer(const std::string& sql, const std::vector<Value>& args) {
    std::int64_t value = 0;
    if (Status s = Each(sql, args, [&](const Stmt& r) { value = r.Int(0); }); !s) return s.error();
    return value;
  }

  Status Migrate() {
    auto version = Integer("PRAGMA user_version", {});
    if (!version) return version.error();
    const auto latest = static_cast<std::int64_t>(kMigrations.size());
    if (*version > latest) {
      return Error{
          ErrorCode::kInternal,
          fmt::format("registry schema {} is newer than this build's {}", *version, latest),
          {}};
    }
    for (std::int64_t v = *version; v < latest; ++v) {
      std::string sql = fmt::format("BEGIN IMMEDIATE; {} PRAGMA user_version = {}; COMMIT;",
                                    kMigrations[static_cast<size_t>(v)], v + 1);
      if (Status s = Exec(sql); !s) {
        (void)Exec("ROLLBACK");
        return Error{
            ErrorCode::kInternal,
            fmt::format("registry migration to schema {} failed: {}", v + 1, s.error().message),
            {}};
      }
    }
    return {};
  }

  // Inserts or updates `p` (by its external id, else new). Sets p.id and p.created_at.
  // Returns whether it was created.
  Result<bool> Save(Place& p, TimePoint now) {
    std::optional<std::pair<PlaceId, std::int64_t>> existing;
    if (!p.external_id.empty()) {
      Status s = Each("SELECT id, created_at FROM places WHERE external_id = ?", {p.external_id},
                      [&](const Stmt& r) {
                        existing = {r.Int(0), r.Int(1)};
                      });
      if (!s) return s.error();
    }
    p.updated_at = now;
    if (existing) {
      p.id = existing->first;
      p.created_at = FromMillis(existing->second);
      if (Status s = Write(p, /*insert=*/false); !s) return s.error();
      return false;
    }
    p.created_at = now;
    if (Status s = Write(p, /*insert=*/true); !s) return s.error();
    p.id = sqlite3_last_insert_rowid(db);
    return true;
  }

  Status Write(const Place& p, bool insert) {
    std::vector<Value> args = {TextOrNull(p.external_id),
                               p.name,
                               p.category,
                               p.sub_kind,
                               p.address,
                               p.location ? Value(p.location->lon) : Value(nullptr),
                               p.location ? Value(p.location->lat) : Value(nullptr),
                               p.station_id,
                               p.grid_id,
                               p.contact_name,
                               p.contact_phone,
                               p.officer,
                               p.notes,
                               ToMillis(p.created_at),
                               ToMillis(p.updated_at)};
    if (insert) {
      return Run(
          "INSERT INTO places(external_id, name, category, sub_kind, address, lon, lat, "
          "station_id, grid_id, contact_name, contact_phone, officer, notes, created_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          args);
    }
    args.emplace_back(p.id);
    return Run(
        "UPDATE places SET external_id = ?1, name = ?2, category = ?3, sub_kind = ?4, "
        "address = ?5, lon = ?6, lat = ?7, station_id = ?8, grid_id = ?9, contact_name = ?10, "
        "contact_phone = ?11, officer = ?12, notes = ?13, created_at = ?14, updated_at = ?15 "
        "WHERE id = ?16",
        args);
  }

  Result<std::optional<Place>> FindPlace(PlaceId id) {
    std::optional<Place> found;
    Status s = Each(fmt::format("SELECT {} FROM places p WHERE p.id = ?", kPlaceColumns), {id},
                    [&](const Stmt& r) { found = ReadPlace(r); });
    if (!s) return s.error();
    return found;
  }

  Result<std::optional<Campaign>> FindCampaign(CampaignId id) {
    std::optional<Campaign> found;
    Status s = Each(
        "SELECT id, name, categories, station_ids, from_day, to_day, notes, created_by, "
        "created_at FROM campaigns WHERE id = ?",
        {id}, [&](const Stmt& r) { found = ReadCampaign(r); });
    if (!s) return s.error();
    return found;
  }

  static Campaign ReadCampaign(const Stmt& r) {
    Campaign c;
    c.id = r.Int(0);
    c.name = r.Text(1);
    c.categories = StringList(r.Text(2));
    c.station_ids = StringList(r.Text(3));
    c.from = ReadDay(r, 4);
    c.to = ReadDay(r, 5);
    c.notes = r.Text(6);
    c.created_by = r.Text(7);
    c.created_at = FromMillis(r.Int(8));
    return c;
  }

  // Fills in the hazards of `inspections`.
  Status AttachHazards(std::vector<Inspection>& inspections) {
    for (Inspection& in : inspections) {
      Status s = Each(
          "SELECT id, inspection_id, place_id, description, priority, photos, case_id FROM "
          "hazards WHERE inspection_id = ? ORDER BY id",
          {in.id}, [&](const Stmt& r) { in.hazards.push_back(ReadHazard(r)); });
      if (!s) return s;
    }
    return {};
  }

  static Hazard ReadHazard(const Stmt& r) {
    Hazard h;
    h.id = r.Int(0);
    h.inspection_id = r.Int(1);
    h.place_id = r.Int(2);
    h.description = r.Text(3);
    h.priority = static_cast<int>(r.Int(4));
    h.photos = StringList(r.Text(5));
    h.case_id = r.IsNull(6) ? 0 : r.Int(6);
    return h;
  }
};

RegistryStore::RegistryStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryStore::~RegistryStore() = default;

Result<std::unique_ptr<RegistryStore>> RegistryStore::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot open {}: {}", path, sqlite3_errmsg(impl->db)),
                 {}};
  }
  sqlite3_busy_timeout(impl->db, 5000);
  // WAL + synchronous=FULL: every COMMIT is durable before the call returns. The page cache may
  // grow to 128 MiB (100,000 places take 28 MiB): an import's one transaction that outgrows the
  // cache spills pages to the WAL one by one, which doubled its time at 16 MiB.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-131072"}) {
    if (Status s = impl->Exec(pragma); !s) {
      return Error{ErrorCode::kUnavailable, fmt::format("{}: {}", path, s.error().message), {}};
    }
  }
  if (Status s = impl->Migrate(); !s) return s.error();
  return std::unique_ptr<RegistryStore>(new RegistryStore(std::move(impl)));
}

Result<Place> RegistryStore::SavePlace(Place place, TimePoint now, bool* created) {
  std::lock_guard lock(mu_);
  auto saved = impl_->Save(place, now);
  if (!saved) return saved.error();
  if (created) *created = *saved;
  return place;
}

Result<Place> RegistryStore::UpdatePlace(PlaceId id, Place place, TimePoint now) {
  std::lock_guard lock(mu_);
  auto existing = impl_->FindPlace(id);
  if (!existing) return existing.error();
  if (!*existing) return NotFound(fmt::format("no place {}", id), "id");
  if (!place.external_id.empty()) {
    auto owner = impl_->Integer("SELECT COALESCE(MAX(id), 0) FROM places WHERE external_id = ?",
                                {place.external_id});
    if (!owner) return owner.error();
    if (*owner != 0 && *owner != id) {
      return Conflict(fmt::format("external id {} belongs to place {}", place.external_id, *owner),
                      "external_id");
    }
  }
  place.id = id;
  place.created_at = (*existing)->created_at;
  place.updated_at = now;
  if (Status s = impl_->Write(place, /*insert=*/false); !s) return s.error();
  return place;
}

Result<ImportCounts> RegistryStore::ImportPlaces(std::span<const Place> places, TimePoint now) {
  std::lock_guard lock(mu_);
  Impl::Transaction tx(*impl_);
  if (Status s = tx.Begin(); !s) return s.error();
  // R*Tree inserts interleaved with the table's own B-trees cost four times what they cost
  // after them (100,000 rows: 12 s against 3 s), so a large import keeps the triggers out of the
  // way and indexes the locations at the end, in the same transaction. Their SQL is read back
  // from the schema and run again before the commit.
  const bool is_bulk = places.size() >= kBulkImportRows;
  std::vector<std::string> triggers;
  if (is_bulk) {
    Status read = impl_->Each(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'places' AND "
        "name IN ('places_at_insert', 'places_at_update')",
        {}, [&](const Stmt& r) { triggers.push_back(r.Text(0)); });
    if (!read) return read.error();
    if (Status s = impl_->Exec("DROP TRIGGER places_at_insert; DROP TRIGGER places_at_update"); !s)
      return s.error();
  }
  struct Saved {
    PlaceId id;
    std::optional<LonLat> location;
    bool is_new;
  };
  std::vector<Saved> saved;
  if (is_bulk) saved.reserve(places.size());
  ImportCounts counts;
  for (const Place& given : places) {
    Place p = given;
    auto created = impl_->Save(p, now);
    if (!created) {
      Error e = created.error();
      e.message = fmt::format("place {}: {}", p.external_id, e.message);
      return e;
    }
    ++(*created ? counts.created : counts.updated);
    if (is_bulk) saved.push_back({p.id, p.location, *created});
  }
  if (is_bulk) {
    for (const Saved& p : saved) {
      if (!p.is_new) {
        if (Status s = impl_->Run("DELETE FROM places_at WHERE id = ?", {p.id}); !s)
          return s.error();
      }
      if (!p.location) continue;
      Status s =
          impl_->Run("INSERT INTO places_at VALUES (?, ?, ?, ?, ?)",
                     {p.id, p.location->lon, p.location->lon, p.location->lat, p.location->lat});
      if (!s) return s.error();
    }
    for (const std::string& sql : triggers)
      if (Status s = impl_->Exec(sql); !s) return s.error();
  }
  if (Status s = tx.Commit(); !s) return s.error();
  // Fresh statistics let the planner pick the right index for lists and counts.
  (void)impl_->Exec("PRAGMA optimize");
  return counts;
}

Result<std::optional<Place>> RegistryStore::FindPlace(PlaceId id) {
  std::lock_guard lock(mu_);
  return impl_->FindPlace(id);
}

Result<PlacePage> RegistryStore::ListPlaces(const PlaceQuery& q) {
  std::vector<Value> args;
  std::string from = "places p";
  std::string where = "1";
  if (q.bbox) {
    // The R*Tree drives (CROSS JOIN keeps it the outer loop); it stores 32-bit floats rounded
    // outwards, so the exact test on the place's own columns follows.
    from = "places_at r CROSS JOIN places p ON p.id = r.id";
    where += " AND r.min_lon <= ? AND r.max_lon >= ? AND r.min_lat <= ? AND r.max_lat >= ?";
    args.insert(args.end(), {q.bbox->max_lon, q.bbox->min_lon, q.bbox->max_lat, q.bbox->min_lat});
    where += " AND p.lon BETWEEN ? AND ? AND p.lat BETWEEN ? AND ?";
    args.insert(args.end(), {q.bbox->min_lon, q.bbox->max_lon, q.bbox->min_lat, q.bbox->max_lat});
  }
  for (auto [column, value] :
       {std::pair{"p.category", &q.category}, std::pair{"p.sub_kind", &q.sub_kind},
        std::pair{"p.station_id", &q.station_id}, std::pair{"p.grid_id", &q.grid_id}}) {
    if (value->empty()) continue;
    where += fmt::format(" AND {} = ?", column);
    args.emplace_back(*value);
  }
  if (!q.text.empty()) {
    where +=
        " AND (p.name LIKE ? ESCAPE '\\' OR p.address LIKE ? ESCAPE '\\' OR p.external_id = ?)";
    std::string pattern = ContainsPattern(q.text);
    args.insert(args.end(), {pattern, pattern, q.text});
  }
  std::lock_guard lock(mu_);
  PlacePage page;
  auto total = impl_->Integer(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", from, where), args);
  if (!total) return total.error();
  page.total = *total;
  if (page.total <= q.offset) return page;
  args.emplace_back(std::int64_t{q.limit});
  args.emplace_back(q.offset);
  Status s = impl_->Each(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY p.id LIMIT ? OFFSET ?",
                                     kPlaceColumns, from, where),
                         args, [&](const Stmt& r) { page.places.push_back(ReadPlace(r)); });
  if (!s) return s.error();
  return page;
}

Result<std::int64_t> RegistryStore::CountPlaces() {
  std::lock_guard lock(mu_);
  return impl_->Integer("SELECT COUNT(*) FROM places", {});
}

Result<Campaign> RegistryStore::AddCampaign(Campaign c, TimePoint now) {
  std::lock_guard lock(mu_);
  c.created_at = now;
  Status s = impl_->Run(
      "INSERT INTO campaigns(name, categories, station_ids, from_day, to_day, notes, created_by, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {c.name, ListJson(c.categories), ListJson(c.station_ids), FormatDay(c.from), FormatDay(c.to),
       c.notes, c.created_by, ToMillis(now)});
  if (!s) return s.error();
  c.id = sqlite3_last_insert_rowid(impl_->db);
  return c;
}

Result<std::optional<Campaign>> RegistryStore::FindCampaign(CampaignId id) {
  std::lock_guard lock(mu_);
  return impl_->FindCampaign(id);
}

Result<std::vector<Campaign>> RegistryStore::ListCampaigns() {
  std::lock_guard lock(mu_);
  std::vector<Campaign> out;
  Status s = impl_->Each(
      "SELECT id, name, categories, station_ids, from_day, to_day, notes, created_by, "
      "created_at FROM campaigns ORDER BY from_day DESC, id DESC",
      {}, [&](const Stmt& r) { out.push_back(Impl::ReadCampaign(r)); });
  if (!s) return s.error();
  return out;
}

Result<Inspection> RegistryStore::AddInspection(Inspection in, TimePoint now) {
  std::lock_guard lock(mu_);
  auto place = impl_->FindPlace(in.place_id);
  if (!place) return place.error();
  if (!*place) return InvalidInput("place_id", fmt::format("no place {}", in.place_id));
  if (in.campaign_id != 0) {
    auto campaign = impl_->FindCampaign(in.campaign_id);
    if (!campaign) return campaign.error();
    if (!*campaign)
      return InvalidInput("campaign_id", fmt::format("no campaign {}", in.campaign_id));
    const Campaign& c = **campaign;
    if (!c.Covers(**place)) {
      return InvalidInput(
          "campaign_id",
          fmt::format("campaign {} ({}) does not cover place {} ({}, station '{}')", c.id, c.name,
                      in.place_id, (*place)->category, (*place)->station_id));
    }
    if (in.date < c.from || in.date > c.to) {
      return InvalidInput(
          "date", fmt::format("{} is outside campaign {} ({} to {})", FormatDay(in.date), c.id,
                              FormatDay(c.from), FormatDay(c.to)));
    }
  }
  Impl::Transaction tx(*impl_);
  if (Status s = tx.Begin(); !s) return s.error();
  in.created_at = now;
  Status s = impl_->Run(
      "INSERT INTO inspections(place_id, campaign_id, day, inspector, result, notes, created_by, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {in.place_id, in.campaign_id == 0 ? Value(nullptr) : Value(in.campaign_id),
       FormatDay(in.date), in.inspector, in.result, in.notes, in.created_by, ToMillis(now)});
  if (!s) return s.error();
  in.id = sqlite3_last_insert_rowid(impl_->db);
  for (Hazard& h : in.hazards) {
    h.inspection_id = in.id;
    h.place_id = in.place_id;
    h.case_id = 0;
    Status hs = impl_->Run(
        "INSERT INTO hazards(inspection_id, place_id, description, priority, photos) VALUES (?, "
        "?, ?, ?, ?)",
        {in.id, in.place_id, h.description, std::int64_t{h.priority}, ListJson(h.photos)});
    if (!hs) return hs.error();
    h.id = sqlite3_last_insert_rowid(impl_->db);
  }
  if (Status c = tx.Commit(); !c) return c.error();
  return in;
}

Status RegistryStore::SetHazardCase(HazardId hazard, CaseId case_id) {
  std::lock_guard lock(mu_);
  if (Status s = impl_->Run("UPDATE hazards SET case_id = ? WHERE id = ?", {case_id, hazard}); !s)
    return s;
  if (sqlite3_changes(impl_->db) == 0) return NotFound(fmt::format("no hazard {}", hazard));
  return {};
}

Result<std::vector<Hazard>> RegistryStore::HazardsWithoutCase() {
  std::lock_guard lock(mu_);
  std::vector<Hazard> out;
  Status s = impl_->Each(
      "SELECT id, inspection_id, place_id, description, priority, photos, case_id FROM hazards "
      "WHERE case_id IS NULL ORDER BY id",
      {}, [&](const Stmt& r) { out.push_back(Impl::ReadHazard(r)); });
  if (!s) return s.error();
  return out;
}

Result<std::vector<Inspection>> RegistryStore::InspectionsOf(PlaceId place, int limit) {
  std::lock_guard lock(mu_);
  std::vector<Inspection> out;
  Status s = impl_->Each(fmt::format("SELECT {} FROM inspections i WHERE i.place_id = ? ORDER BY "
                                     "i.day DESC, i.id DESC LIMIT ?",
                                     kInspectionColumns),
                         {place, std::int64_t{limit}},
                         [&](const Stmt& r) { out.push_back(ReadInspection(r)); });
  if (!s) return s.error();
  if (Status h = impl_->AttachHazards(out); !h) return h.error();
  return out;
}

Result<std::optional<Inspection>> RegistryStore::FindInspection(InspectionId id) {
  std::lock_guard lock(mu_);
  std::vector<Inspection> out;
  Status s =
      impl_->Each(fmt::format("SELECT {} FROM inspections i WHERE i.id = ?", kInspectionColumns),
                  {id}, [&](const Stmt& r) { out.push_back(ReadInspection(r)); });
  if (!s) return s.error();
  if (out.empty()) return std::optional<Inspection>();
  if (Status h = impl_->AttachHazards(out); !h) return h.error();
  return std::optional<Inspection>(std::move(out.front()));
}

Result<Tally> RegistryStore::Count(const TallyScope& scope, const HazardStatusOf& status_of) {
  // The scope over places (alias p) and the inspections counted (alias i).
  std::vector<Value> place_args;
  std::string place_where = "1";
  if (!scope.categories.empty())
    place_where += " AND p.category IN " + InList(scope.categories, place_args);
  if (!scope.station_ids.empty())
    place_where += " AND p.station_id IN " + InList(scope.station_ids, place_args);
  std::vector<Value> args = place_args;
  std::string where = place_where;
  if (scope.campaign_id != 0) {
    where += " AND i.campaign_id = ?";
    args.emplace_back(scope.campaign_id);
  }
  if (scope.from) {
    where += " AND i.day >= ?";
    args.emplace_back(FormatDay(*scope.from));
  }
  if (scope.to) {
    where += " AND i.day <= ?";
    args.emplace_back(FormatDay(*scope.to));
  }

  // Rows by (category, station); every place is in one, so distinct counts add up.
  std::map<std::pair<std::string, std::string>, TallyRow> cells;
  std::lock_guard lock(mu_);
  Status s = impl_->Each(fmt::format("SELECT p.category, p.station_id, COUNT(*) FROM places p "
                                     "WHERE {} GROUP BY 1, 2",
                                     place_where),
                         place_args, [&](const Stmt& r) {
                           cells[{r.Text(0), r.Text(1)}].places = r.Int(2);
                         });
  if (!s) return s.error();
  s = impl_->Each(fmt::format("SELECT p.category, p.station_id, COUNT(DISTINCT i.place_id), "
                              "COUNT(*) FROM inspections i JOIN places p ON p.id = i.place_id "
                              "WHERE {} GROUP BY 1, 2",
                              where),
                  args, [&](const Stmt& r) {
                    TallyRow& row = cells[{r.Text(0), r.Text(1)}];
                    row.inspected_places = r.Int(2);
                    row.inspections = r.Int(3);
                  });
  if (!s) return s.error();
  s = impl_->Each(fmt::format("SELECT p.category, p.station_id, h.case_id FROM hazards h JOIN "
                              "inspections i ON i.id = h.inspection_id JOIN places p ON p.id = "
                              "h.place_id WHERE {}",
                              where),
                  args, [&](const Stmt& r) {
                    TallyRow& row = cells[{r.Text(0), r.Text(1)}];
                    ++row.hazards;
                    HazardStatus status =
                        r.IsNull(2) ? HazardStatus::kUnknown : status_of(r.Int(2));
                    if (status == HazardStatus::kClosed) {
                      ++row.hazards_closed;
                    } else {
                      ++row.hazards_open;
                      if (status == HazardStatus::kOverdue) ++row.hazards_overdue;
                    }
                  });
  if (!s) return s.error();

  auto add = [](TallyRow& to, const TallyRow& from) {
    to.places += from.places;
    to.inspected_places += from.inspected_places;
    to.inspections += from.inspections;
    to.hazards += from.hazards;
    to.hazards_open += from.hazards_open;
    to.hazards_overdue += from.hazards_overdue;
    to.hazards_closed += from.hazards_closed;
  };
  std::map<std::string, TallyRow> by_category, by_station;
  Tally tally;
  for (const auto& [key, row] : cells) {
    add(tally.total, row);
    add(by_category[key.first], row);
    add(by_station[key.second], row);
  }
  for (auto& [key, row] : by_category) {
    row.key = key;
    tally.by_category.push_back(row);
  }
  for (auto& [key, row] : by_station) {
    row.key = key;
    tally.by_station.push_back(row);
  }
  return tally;
}

Result<OutreachEvent> RegistryStore::AddOutreach(OutreachEvent e, TimePoint now) {
  std::lock_guard lock(mu_);
  e.created_at = now;
  Status s = impl_->Run(
      "INSERT INTO outreach(day, place, lon, lat, kind, audience, station_id, notes, created_by, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {FormatDay(e.date), e.place, e.location ? Value(e.location->lon) : Value(nullptr),
       e.location ? Value(e.location->lat) : Value(nullptr), e.kind, e.audience, e.station_id,
       e.notes, e.created_by, ToMillis(now)});
  if (!s) return s.error();
  e.id = sqlite3_last_insert_rowid(impl_->db);
  return e;
}

namespace {

std::string OutreachWhere(const OutreachQuery& q, std::vector<Value>& args, bool with_kind) {
  std::string where = "1";
  if (q.from) {
    where += " AND o.day >= ?";
    args.emplace_back(FormatDay(*q.from));
  }
  if (q.to) {
    where += " AND o.day <= ?";
    args.emplace_back(FormatDay(*q.to));
  }
  if (!q.station_id.empty()) {
    where += " AND o.station_id = ?";
    args.emplace_back(q.station_id);
  }
  if (with_kind && !q.kind.empty()) {
    where += " AND o.kind = ?";
    args.emplace_back(q.kind);
  }
  return where;
}

}  // namespace

Result<OutreachPage> RegistryStore::ListOutreach(const OutreachQuery& q) {
  std::vector<Value> args;
  std::string where = OutreachWhere(q, args, /*with_kind=*/true);
  std::lock_guard lock(mu_);
  OutreachPage page;
  auto total = impl_->Integer("SELECT COUNT(*) FROM outreach o WHERE " + where, args);
  if (!total) return total.error();
  page.total = *total;
  args.emplace_back(std::int64_t{q.limit});
  args.emplace_back(q.offset);
  Status s = impl_->Each(fmt::format("SELECT {} FROM outreach o WHERE {} ORDER BY o.day DESC, "
                                     "o.id DESC LIMIT ? OFFSET ?",
                                     kOutreachColumns, where),
                         args, [&](const Stmt& r) { page.events.push_back(ReadOutreach(r)); });
  if (!s) return s.error();
  return page;
}

Result<OutreachSummary> RegistryStore::SummarizeOutreach(const OutreachQuery& q) {
  std::vector<Value> args;
  std::string where = OutreachWhere(q, args, /*with_kind=*/true);
  std::lock_guard lock(mu_);
  OutreachSummary out;
  auto group = [&](const char* key, std::vector<OutreachTotals>& rows) {
    return impl_->Each(fmt::format("SELECT {0}, COUNT(*), COALESCE(SUM(o.audience), 0) FROM "
                                   "outreach o WHERE {1} GROUP BY 1 ORDER BY 1",
                                   key, where),
                       args, [&](const Stmt& r) {
                         rows.push_back({r.Text(0), r.Int(1), r.Int(2)});
                       });
  };
  if (Status s = group("o.station_id", out.by_station); !s) return s.error();
  if (Status s = group("o.kind", out.by_kind); !s) return s.error();
  if (Status s = group("substr(o.day, 1, 7)", out.by_month); !s) return s.error();
  for (const OutreachTotals& row : out.by_station) {
    out.total.events += row.events;
    out.total.audience += row.audience;
  }
  return out;
}

}  // namespace pingan::registry
