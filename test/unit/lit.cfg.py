# -*- Python -*-
# Runs every GoogleTest binary named *Tests in build/test/unit; each TEST()
# is one lit test.
import os
import lit.formats

config.name = "attnc-unit"
config.suffixes = []
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = os.path.join(config.attnc_obj_root, "test", "unit")
config.test_exec_root = config.test_source_root
config.environment["ATTNC_CACHE_DIR"] = os.path.join(config.test_exec_root, "kernel-cache")
for var in ("HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
# Same sanitizer settings as the main suite (see test/lit.cfg.py).
config.environment["ASAN_OPTIONS"] = ":".join(filter(None, [
    config.environment.get("ASAN_OPTIONS", ""), "allow_user_poisoning=0",
    "detect_container_overflow=0", "allocator_may_return_null=1"]))
