/* Compiles the reference MAC kernels under other names (with -DTML_REFERENCE -include ref_names.h), so that one
 * image holds the reference and the optimised path and can compare them. */
#define tml_fully_connected ref_fully_connected
#define tml_conv2d ref_conv2d
#define tml_depthwise_conv2d ref_depthwise_conv2d
