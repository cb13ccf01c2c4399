// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Sequence data (next-frame prediction): conditional data whose condition is the previous
/// `context` frames stacked as channels and whose sample is the frame that follows. The dataset
/// declares the layout in DataInfo::metadata (plain data, like the condition shape), so the host
/// can roll a model out — feed its prediction back as the newest context frame — and compare
/// each step with the true frame, with no new virtual function in the plugin interface.
///
/// The layout: every sequence gives `steps` consecutive samples; sample `s * steps + t` has the
/// frames t .. t + context - 1 of sequence s as its condition and frame t + context as its
/// target. So sample i + 1 continues sample i when i % steps + 1 < steps, and its condition is
/// sample i's condition without its oldest frame, followed by sample i's target.
///
/// Example:
/// ```
/// gantry::DataInfo info;                                       // in a dataset's info()
/// gantry::datasets::set_condition_shape(info, gantry::Shape{2, 48, 48});
/// gantry::datasets::set_sequence_layout(info, {.context = 2, .steps = 8});
/// auto layout = gantry::datasets::find_sequence_layout(info);   // a reader
/// ```
#include <cstdint>
#include <optional>

#include "gantry/data.hpp"

namespace gantry::datasets {

/// DataInfo::metadata key: {context, steps}.
inline constexpr const char* kSequenceLayout = "sequence.layout";

struct SequenceLayout {
    int64_t context = 0;  ///< frames in a condition (its channels, for 1-channel frames)
    int64_t steps = 0;    ///< samples per sequence: a sequence has context + steps frames
};

/// Declares the sequence layout of a conditional dataset.
void set_sequence_layout(DataInfo& info, const SequenceLayout& layout);

/// The declared layout, or nullopt for data that is not a sequence. Throws Error when the
/// declaration is not two positive whole numbers.
std::optional<SequenceLayout> find_sequence_layout(const DataInfo& info);

}  // namespace gantry::datasets
