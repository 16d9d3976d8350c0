# -*- Python -*-
# lit configuration for attnc. Features a test may REQUIRE:
#   nvrtc        the CUDA toolkit (NVRTC) was found at configure time
#   ptxas        ptxas is available to assemble generated PTX
#   cuda-device  a CUDA driver and GPU answered at lit start-up
#   torch        Debian's python3-torch is importable by /usr/bin/python3
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "attnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".attn", ".test", ".cpp"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "support", "fuzz-corpus"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attnc_obj_root, "test")

llvm_config.use_default_substitutions()
config.substitutions.append(("%attnc_src", config.attnc_src_root))
config.substitutions.append(("%attnc_obj", config.attnc_obj_root))
config.substitutions.append(("%python", "/usr/bin/python3"))

# Our tools first, then LLVM's (FileCheck, not, count).
llvm_config.with_environment("PATH", config.attnc_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Each run of the suite uses its own kernel cache.
config.environment["ATTNC_CACHE_DIR"] = os.path.join(config.test_exec_root, "kernel-cache")
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

tools = ["attn-opt", "attnc", "attnc-run"]
llvm_config.add_tool_substitutions([ToolSubst(t, unresolved="ignore") for t in tools],
                                   [config.attnc_tools_dir])

if config.attnc_have_nvrtc:
    config.available_features.add("nvrtc")
if config.attnc_ptxas and os.path.exists(config.attnc_ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.attnc_ptxas))
if config.attnc_sanitize:
    config.available_features.add("sanitizer")
    # Debian's libLLVM/libMLIR are not instrumented while their inline
    # headers in our code are: container-overflow and manual poisoning then
    # report false positives across that boundary. Tests that ask for an
    # impossible allocation expect an error, not an allocator abort.
    asan = ["allow_user_poisoning=0", "detect_container_overflow=0",
            "allocator_may_return_null=1", "abort_on_error=0"]
    if config.environment.get("ASAN_OPTIONS"):
        asan.insert(0, config.environment["ASAN_OPTIONS"])
    config.environment["ASAN_OPTIONS"] = ":".join(asan)
    config.environment.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")

def _probe(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=60).returncode == 0
    except Exception:
        return False

runner = os.path.join(config.attnc_tools_dir, "attnc-run")
if os.path.exists(runner) and _probe([runner, "--probe-gpu"]):
    config.available_features.add("cuda-device")
    # A Hopper GPU (compute capability 9.0) runs the wgmma_sm90 kernel.
    try:
        _gpu = subprocess.run([runner, "probe-gpu"], capture_output=True, text=True, timeout=60).stdout
    except Exception:
        _gpu = ""
    if "(sm_90," in _gpu:
        config.available_features.add("cuda-sm90")
else:
    lit_config.note("no CUDA device: tests marked REQUIRES: cuda-device are reported UNSUPPORTED (skipped)")

if _probe(["/usr/bin/python3", "-c", "import torch, numpy"]):
    config.available_features.add("torch")
if _probe(["/usr/bin/python3", "-c", "import numpy"]):
    config.available_features.add("numpy")
