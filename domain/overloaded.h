// Overloaded{lambdas...}: one visitor for std::visit from a lambda per
// alternative (the decide() functions of the aggregates).
#pragma once

namespace aftercare {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace aftercare
