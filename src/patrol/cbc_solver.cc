#include "patrol/cbc_solver.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <exception>
#include <memory>
#include <string>

#include <Cbc_C_Interface.h>

namespace pingan::patrol {
namespace {

struct ModelDeleter {
  void operator()(Cbc_Model* model) const { Cbc_deleteModel(model); }
};
using ModelPtr = std::unique_ptr<Cbc_Model, ModelDeleter>;

}  // namespace

Result<CbcResult> SolveCoverageWithCbc(const CoverageProblem& problem, const CbcOptions& options) {
  if (Status valid = ValidateCoverageProblem(problem); !valid) return valid.error();
  if (!options.start.empty() && !IsFeasible(problem, options.start))
    return InvalidInput("start", "not a feasible choice of options");
  using Clock = std::chrono::steady_clock;
  const Clock::time_point began = Clock::now();
  const size_t n = problem.cells(), m = problem.options(), groups = problem.capacity.size();

  // Rows: one per kept cell (y_i − Σ x_o ≤ 0), then one per group (Σ x_o ≤ k_g).
  // Columns: x_0 .. x_{m−1}, then one y per kept cell.
  std::vector<int> row_of(n, -1);
  std::vector<int> kept;
  {
    std::vector<char> is_covered(n, 0);
    for (const std::vector<int>& cells : problem.covers)
      for (int i : cells) is_covered[size_t(i)] = 1;
    for (size_t i = 0; i < n; ++i)
      if (is_covered[i] && problem.weight[i] > 0) {
        row_of[i] = int(kept.size());
        kept.push_back(int(i));
      }
  }
  if (kept.empty()) {
    // Nothing can be covered. CBC is not asked: without x columns to branch on it would solve
    // an LP, and Clp's LP log ignores the log level.
    CbcResult result;
    result.solution.chosen = problem.forced;
    std::sort(result.solution.chosen.begin(), result.solution.chosen.end());
    result.is_proven_optimal = true;
    result.wall_time = Clock::now() - began;
    return result;
  }
  const int rows = int(kept.size() + groups);
  const int columns = int(m + kept.size());
  std::vector<CoinBigIndex> start = {0};
  std::vector<int> index;
  std::vector<double> value, lower(size_t(columns), 0), upper(size_t(columns), 1),
      objective(size_t(columns), 0);
  for (size_t o = 0; o < m; ++o) {
    for (int i : problem.covers[o]) {
      if (row_of[size_t(i)] < 0) continue;
      index.push_back(row_of[size_t(i)]);
      value.push_back(-1);
    }
    index.push_back(int(kept.size()) + problem.group[o]);
    value.push_back(1);
    start.push_back(CoinBigIndex(index.size()));
  }
  for (int o : problem.forced) lower[size_t(o)] = 1;
  for (size_t r = 0; r < kept.size(); ++r) {
    index.push_back(int(r));
    value.push_back(1);
    start.push_back(CoinBigIndex(index.size()));
    objective[m + r] = problem.weight[size_t(kept[r])];
  }
  std::vector<double> row_lower(size_t(rows), -DBL_MAX), row_upper(size_t(rows), 0);
  for (size_t g = 0; g < groups; ++g) row_upper[kept.size() + g] = problem.capacity[g];

  ModelPtr model(Cbc_newModel());
  Cbc_loadProblem(model.get(), columns, rows, start.data(), index.data(), value.data(),
                  lower.data(), upper.data(), objective.data(), row_lower.data(), row_upper.data());
  for (size_t o = 0; o < m; ++o) Cbc_setInteger(model.get(), int(o));
  Cbc_setObjSense(model.get(), -1);  // maximise
  const std::string log = options.verbose ? "1" : "0";
  Cbc_setParameter(model.get(), "log", log.c_str());
  Cbc_setParameter(model.get(), "slog", log.c_str());
  Cbc_setParameter(model.get(), "timeMode", "elapsed");
  Cbc_setParameter(model.get(), "seconds", std::to_string(options.time_limit.count()).c_str());
  Cbc_setParameter(model.get(), "ratioGap", std::to_string(options.relative_gap).c_str());
  Cbc_setParameter(model.get(), "allowableGap", "1e-9");
  if (!options.start.empty()) {
    // Every column, y included: given only the x columns CBC derives the rest by a search of
    // its own, which on the largest suite instances took longer than the search proper.
    std::vector<int> columns_given;
    std::vector<double> values(size_t(columns), 0);
    std::vector<char> is_covered(n, 0);
    for (int o : options.start) {
      values[size_t(o)] = 1;
      for (int i : problem.covers[size_t(o)]) is_covered[size_t(i)] = 1;
    }
    for (size_t r = 0; r < kept.size(); ++r) values[m + r] = is_covered[size_t(kept[r])];
    for (int c = 0; c < columns; ++c) columns_given.push_back(c);
    Cbc_setMIPStartI(model.get(), columns, columns_given.data(), values.data());
  }
  try {
    Cbc_solve(model.get());
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInternal, std::string("CBC failed: ") + e.what(), {}};
  }

  const double* x = Cbc_bestSolution(model.get());
  // The limit can end the run before CBC has even taken up the start (on a loaded machine);
  // the start, checked feasible above, is then the best solution known.
  if (x == nullptr && options.start.empty())
    return Error{ErrorCode::kUnavailable, "CBC stopped without a solution", "time_limit"};
  CbcResult result;
  if (x == nullptr) {
    result.solution.chosen = options.start;
    std::sort(result.solution.chosen.begin(), result.solution.chosen.end());
  } else {
    for (size_t o = 0; o < m; ++o)
      if (x[o] > 0.5) result.solution.chosen.push_back(int(o));
  }
  result.solution.covered_weight = CoveredWeight(problem, result.solution.chosen);
  result.is_proven_optimal = Cbc_isProvenOptimal(model.get()) != 0;
  // CBC reports the bound in the problem's own sense. Proven optimal means the bound met the
  // objective within its tolerance; say so exactly rather than carry its rounding.
  result.best_bound = result.is_proven_optimal ? result.solution.covered_weight
                                               : std::max(Cbc_getBestPossibleObjValue(model.get()),
                                                          result.solution.covered_weight);
  if (x == nullptr) {
    // Stopped before its root finished: CBC's bound may be meaningless, so also take the
    // Lagrangian one, and keep the lower of the two that are valid.
    LagrangianOptions lo;
    lo.lower_bound = result.solution.covered_weight;
    double lagrangian = LagrangianUpperBound(problem, lo).upper_bound;
    double cbc = Cbc_getBestPossibleObjValue(model.get());
    result.best_bound = std::isfinite(cbc) && cbc >= result.solution.covered_weight && cbc < 1e30
                            ? std::min(cbc, lagrangian)
                            : lagrangian;
  }
  result.wall_time = Clock::now() - began;
  return result;
}

}  // namespace pingan::patrol
