/* Compiles the reference kernels that have optimised paths under other names (with -DTML_REFERENCE -include ref_names.h), so that one
 * image holds the reference and the optimised path and can compare them. */
#define tml_fully_connected ref_fully_connected
#define tml_conv2d ref_conv2d
#define tml_depthwise_conv2d ref_depthwise_conv2d
#define tml_add ref_add
#define tml_add_prepare_terms ref_add_prepare_terms
#define tml_mul ref_mul
#define tml_average_pool2d ref_average_pool2d
#define tml_max_pool2d ref_max_pool2d
