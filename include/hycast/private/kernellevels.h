/* Compiles the kernels of the file HC_KERNEL_FILE (a path under src/, e.g. "nn/network-kernels.h") once per x86-64
   level, each with its vector width HC_VW and its names HC_KFN(f) (kernelimpl.h, HC_KCALL).  Included once by the .c
   file that owns the kernels, after kernelimpl.h; no include guard. */
#if HC_MULTI
#define HC_VW     8
#define HC_KFN(f) f##_v4
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
#include HC_KERNEL_FILE
#pragma GCC pop_options
#undef HC_VW
#undef HC_KFN
#define HC_VW     4
#define HC_KFN(f) f##_v3
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
#include HC_KERNEL_FILE
#pragma GCC pop_options
#undef HC_VW
#undef HC_KFN
/* the baseline's kernels: built with the build's own flags, as target_clones' "default" */
#define HC_VW     2
#define HC_KFN(f) f##_v1
#include HC_KERNEL_FILE
#undef HC_VW
#undef HC_KFN
#else
#define HC_VW     (HC_LEVEL_TARGET >= 4 ? 8 : HC_LEVEL_TARGET == 3 ? 4 : 2)
#define HC_KFN(f) f##_k
#include HC_KERNEL_FILE
#undef HC_VW
#undef HC_KFN
#endif
#undef HC_KERNEL_FILE
