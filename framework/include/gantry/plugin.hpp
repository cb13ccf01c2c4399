// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Everything a plugin author includes.
#include "gantry/architecture.hpp"
#include "gantry/autograd.hpp"
#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/loss.hpp"
#include "gantry/metric.hpp"
#include "gantry/ops.hpp"
#include "gantry/plugin/abi.hpp"
#include "gantry/random.hpp"
#include "gantry/tensor.hpp"
