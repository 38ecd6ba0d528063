// Passwords (argon2id via libsodium), bearer tokens, and what each role may do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/result.h"

namespace pingan::api {

// Initialises libsodium; safe to call many times. Aborts if the library cannot start.
void InitCrypto();

// argon2id in libsodium's encoded form (salt and limits included). Slow on purpose (~50 ms).
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);
// Spends the same time as a failed VerifyPassword, so unknown usernames are not revealed by timing.
void BurnPasswordVerification(std::string_view password);

// 256 random bits as 64 hex characters.
std::string NewToken();
// BLAKE2b of the token, hex. Only this is stored, so a leaked ledger holds no usable tokens.
std::string HashToken(std::string_view token);

// Minimum length and not all one character; errors name the field "password".
Status CheckPasswordStrength(std::string_view password);

// What a role may do. One table in auth.cc.
enum class Permission {
  kCreateIncident,
  kReadIncidents,
  kSeePersonalData,   // caller names and phones unmasked (each read is audited)
  kManageUnits,       // create units
  kReportUnitStatus,  // status and position of units
  kManageJurisdictions,
  kManageUsers,
  kOpenCases,  // register fund warnings, disputes, requests; act on cases
  kManageApiKeys,
};
bool HasPermission(Role role, Permission permission);
// The roles that hold `permission`, for documentation.
std::vector<Role> RolesWith(Permission permission);
// Incident actions by role: officers report progress and close; dispatch, transfer, cancel and
// reopen are for dispatchers and station chiefs.
bool MayPerformIncidentAction(Role role, std::string_view action);
// Case actions by role: a supervisor's sign-off and sending a reply back are for leaders (the
// bureau's supervision) and admin, never for the station that wrote the reply; every other
// action is for whoever holds kOpenCases.
bool MayPerformCaseAction(Role role, std::string_view kind, std::string_view action);

}  // namespace pingan::api
