# Warnings apply to slope's own targets only; xtensor and xsimd come in as system headers.
function(slope_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    # NOTE: xsimd's AVX-512 exp trips GCC 12's maybe-uninitialized inside inlined system headers.
    -Wno-maybe-uninitialized)
  if(SLOPE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
