// Compiles the precompiled headers every test binary reuses (tests/CMakeLists.txt).
