// SPDX-License-Identifier: Apache-2.0
#include "gantry/optim/optimizer.hpp"

#include <set>

#include "gantry/error.hpp"

namespace gantry::optim {

namespace {
constexpr uint64_t kStateVersion = 1;
}

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
    for (size_t i = 0; i < params_.size(); ++i) {
        GANTRY_CHECK(params_[i].defined(), "Optimizer: parameter ", i, " is undefined");
        // Updating a non-leaf in place would silently diverge from the graph that produced it.
        GANTRY_CHECK(params_[i].is_leaf(), "Optimizer: parameter ", i, " of shape ",
                     params_[i].shape(), " is not a leaf; optimize the leaf it was computed from");
        for (size_t j = 0; j < i; ++j) {
            GANTRY_CHECK(!params_[i].is_same(params_[j]), "Optimizer: parameter ", i,
                         " is the same tensor as parameter ", j,
                         "; each parameter must appear once or it is updated twice per step");
            // A detached handle or a view is a different tensor over the same values.
            const float* a = params_[i].data();
            const float* b = params_[j].data();
            const bool overlap = a < b + params_[j].numel() && b < a + params_[i].numel();
            GANTRY_CHECK(!overlap, "Optimizer: parameter ", i, " shares storage with parameter ",
                         j, "; its values would be updated twice per step");
        }
    }
}

void Optimizer::zero_grad() {
    for (Tensor& p : params_) p.clear_grad();
}

StateDict Optimizer::state_dict() const {
    StateDict dict;
    put_u64(dict, std::string("optimizer.") + kind(), kStateVersion);
    put_u64(dict, "param_count", params_.size());
    save(dict);
    return dict;
}

void Optimizer::load_state_dict(const StateDict& dict) {
    const std::string where = load_where();
    const std::string tag = std::string("optimizer.") + kind();
    if (dict.find(tag) == dict.end()) {
        // Name the optimizer the dict was saved from, if any: the likeliest mistake.
        std::string found = "no optimizer state";
        const auto it = dict.lower_bound("optimizer.");
        if (it != dict.end() && it->first.rfind("optimizer.", 0) == 0)
            found = "the state of '" + it->first.substr(10) + "'";
        GANTRY_CHECK(false, where, ": expected the state of '", kind(), "' (entry '", tag,
                     "'), got ", found);
    }
    const uint64_t version = get_u64(dict, tag, where.c_str());
    GANTRY_CHECK(version == kStateVersion, where, ": expected state version ", kStateVersion,
                 ", got ", version);
    const uint64_t count = get_u64(dict, "param_count", where.c_str());
    GANTRY_CHECK(count == params_.size(), where, ": expected state for ", params_.size(),
                 " parameters, got ", count);

    const StateDict before = state_dict();
    load(dict);
    // Every entry must have been understood: a stray key means the dict is not what it seems.
    const StateDict after = state_dict();
    for (const auto& entry : dict) {
        if (after.find(entry.first) == after.end()) {
            load(before);
            GANTRY_CHECK(false, where, ": unexpected entry '", entry.first, "'");
        }
    }
}

std::string Optimizer::state_key(size_t index, const char* name) {
    return "state." + std::to_string(index) + "." + name;
}

Tensor Optimizer::load_buffer(const StateDict& dict, size_t index, const char* name) const {
    const std::string key = state_key(index, name);
    const std::string where = load_where();
    const Tensor& t = state_dict_at(dict, key, where.c_str());
    GANTRY_CHECK(t.defined() && t.shape() == params_[index].shape(), where, ": entry '", key,
                 "' should have the shape of parameter ", index, " ", params_[index].shape(),
                 ", got ", t.defined() ? t.shape().str() : std::string("an undefined tensor"));
    // A copy: the caller's dict must not change when this optimizer steps.
    return t.clone();
}

std::string Optimizer::load_where() const { return std::string(kind()) + "::load_state_dict"; }

bool Optimizer::get_bool(const StateDict& dict, const std::string& key, const char* where) {
    const uint64_t v = get_u64(dict, key, where);
    GANTRY_CHECK(v <= 1, where, ": entry '", key, "' should be 0 or 1, got ", v);
    return v == 1;
}

void Optimizer::check_lr(double lr, const char* where) {
    GANTRY_CHECK(lr >= 0, where, ": invalid learning rate: expected lr >= 0, got ", lr);
}

}  // namespace gantry::optim
