// SPDX-License-Identifier: Apache-2.0
#pragma once
/// One tensor crossing between Gantry's plain f32 layout and a primitive's own layout and data
/// type, by one reorder built with the primitive (convolutions, and matmuls in bf16).
#include "kernels/context.hpp"

namespace gantry::kernels {

/// `user` wraps the caller's buffer (rebound per call); `inner` is the primitive's layout, a
/// buffer owned by the entry when the two differ, else the same memory as `user`. A bf16 `inner`
/// always differs from the f32 `user`: the one reorder converts layout and type together.
struct Edge {
    dnnl::memory user, inner;
    dnnl::reorder reorder;  // user -> inner for an input, inner -> user for an output
    std::unordered_map<int, dnnl::memory> reorder_args;
    bool reordered = false;

    static Edge make(const dnnl::memory::desc& user_md, const dnnl::memory::desc& prim_md, bool is_input) {
        Edge e;
        e.user = dnnl::memory(user_md, engine(), nullptr);
        e.reordered = user_md != prim_md;
        if (!e.reordered) {
            e.inner = e.user;
            return e;
        }
        e.inner = dnnl::memory(prim_md, engine());
        const dnnl::memory& from = is_input ? e.user : e.inner;
        const dnnl::memory& to = is_input ? e.inner : e.user;
        e.reorder = dnnl::reorder(from, to);
        e.reorder_args = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
        return e;
    }
    /// Binds the caller's input and brings it into the primitive's layout.
    void bind_input(const float* data) {
        user.set_data_handle(const_cast<float*>(data));
        if (reordered) reorder.execute(stream(), reorder_args);
    }
    void bind_output(float* data) { user.set_data_handle(data); }
    /// Brings the primitive's output back to the caller's plain buffer.
    void finish_output() {
        if (reordered) reorder.execute(stream(), reorder_args);
    }
};

}  // namespace gantry::kernels
