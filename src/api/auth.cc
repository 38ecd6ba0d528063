#include "api/auth.h"

#include <algorithm>
#include <initializer_list>

#include <sodium.h>

namespace pingan::api {

namespace {

constexpr size_t kMinPasswordLength = 8;

struct PermissionRow {
  Permission permission;
  std::initializer_list<Role> roles;
};

const PermissionRow kPermissions[] = {
    {Permission::kCreateIncident, {Role::kDispatcher}},
    {Permission::kReadIncidents,
     {Role::kDispatcher, Role::kOfficer, Role::kStationChief, Role::kLeader, Role::kAdmin}},
    {Permission::kSeePersonalData, {Role::kDispatcher, Role::kOfficer}},
    {Permission::kManageUnits, {Role::kStationChief, Role::kAdmin}},
    {Permission::kReportUnitStatus, {Role::kDispatcher, Role::kOfficer, Role::kStationChief}},
    {Permission::kManageJurisdictions, {Role::kAdmin}},
    {Permission::kManageUsers, {Role::kAdmin}},
    {Permission::kOpenCases,
     {Role::kDispatcher, Role::kOfficer, Role::kStationChief, Role::kLeader, Role::kAdmin}},
    {Permission::kManageApiKeys, {Role::kAdmin}},
};

struct ActionRow {
  std::string_view action;
  std::initializer_list<Role> roles;
};

const ActionRow kIncidentActions[] = {
    {"dispatch", {Role::kDispatcher, Role::kStationChief}},
    {"en_route", {Role::kDispatcher, Role::kOfficer, Role::kStationChief}},
    {"arrive", {Role::kDispatcher, Role::kOfficer, Role::kStationChief}},
    {"clear", {Role::kDispatcher, Role::kOfficer, Role::kStationChief}},
    {"handle", {Role::kDispatcher, Role::kOfficer, Role::kStationChief}},
    {"close", {Role::kDispatcher, Role::kOfficer, Role::kStationChief}},
    {"cancel", {Role::kDispatcher, Role::kStationChief}},
    {"reopen", {Role::kDispatcher, Role::kStationChief}},
    {"transfer", {Role::kDispatcher, Role::kStationChief}},
    {"note", {Role::kDispatcher, Role::kOfficer, Role::kStationChief, Role::kLeader}},
};

bool Includes(std::initializer_list<Role> roles, Role role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string ToHex(const unsigned char* bytes, size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

}  // namespace

void InitCrypto() {
  PINGAN_CHECK(sodium_init() >= 0);
}

Result<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Error{ErrorCode::kInternal, "out of memory while hashing a password", {}};
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void BurnPasswordVerification(std::string_view password) {
  static const std::string kDummy = [] {
    auto hash = HashPassword("not a password anyone has");
    return hash ? *hash : std::string();
  }();
  (void)VerifyPassword(kDummy, password);
}

std::string NewToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return ToHex(bytes, sizeof bytes);
}

std::string HashToken(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return ToHex(digest, sizeof digest);
}

Status CheckPasswordStrength(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidInput("password", "a password has at least 8 characters");
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; })) {
    return InvalidInput("password", "a password is not one character repeated");
  }
  return {};
}

bool HasPermission(Role role, Permission permission) {
  for (const PermissionRow& row : kPermissions) {
    if (row.permission == permission) return Includes(row.roles, role);
  }
  return false;
}

std::vector<Role> RolesWith(Permission permission) {
  for (const PermissionRow& row : kPermissions) {
    if (row.permission == permission) return std::vector<Role>(row.roles);
  }
  return {};
}

bool MayPerformIncidentAction(Role role, std::string_view action) {
  for (const ActionRow& row : kIncidentActions) {
    if (row.action == action) return Includes(row.roles, role);
  }
  // Unknown actions are refused later by the workflow with a clear message.
  return true;
}

bool MayPerformCaseAction(Role role, std::string_view /*kind*/, std::string_view action) {
  if (action == "sign_off" || action == "send_back") {
    return role == Role::kLeader || role == Role::kAdmin;
  }
  return HasPermission(role, Permission::kOpenCases);
}

}  // namespace pingan::api
