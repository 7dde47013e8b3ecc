#!/usr/bin/env python3
"""Regenerates the float ONNX fixtures for the importer tests (onnx + numpy, seeded; the output is committed).

The graphs mimic what torch.onnx.export writes for small classifiers:

pytorch_cnn.onnx (opset 13)
    Conv(1->4, 3x3, pads 1) + Relu + MaxPool(2) + Flatten + Gemm(transB=1) + Softmax(axis=1),
    input [batch_size, 1, 28, 28], node names like '/conv1/Conv', initializers like 'conv1.weight'.

pytorch_view_cnn.onnx (opset 11)
    Conv(1->4, 3x3, stride 2, pads 1) + BatchNormalization + Clip(0, 6) via min/max inputs
    + depthwise Conv(4->8, group 4) + Relu + AveragePool(3, stride 2, pads 1, count_include_pad 0)
    + x.view(x.size(0), -1) (Shape/Gather/Unsqueeze/Concat/Reshape) + MatMul + Add + Relu + Dropout
    + Gemm(transB=0) + Softmax(axis=1).

Run: /usr/bin/python3 make_onnx_fixtures.py   (in this folder)
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def finish(graph, opset, path):
    model = helper.make_model(graph, producer_name="pytorch", producer_version="2.1.0",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(HERE, path))
    print(path, os.path.getsize(os.path.join(HERE, path)), "bytes")


def pytorch_cnn():
    rng = np.random.default_rng(1234)
    w1 = (rng.standard_normal((4, 1, 3, 3)) * 0.5).astype(np.float32)
    b1 = (rng.standard_normal(4) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((10, 4 * 14 * 14)) * 0.05).astype(np.float32)
    b2 = (rng.standard_normal(10) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["/conv1/Conv_output_0"], name="/conv1/Conv",
                         dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["/conv1/Conv_output_0"], ["/relu/Relu_output_0"], name="/relu/Relu"),
        helper.make_node("MaxPool", ["/relu/Relu_output_0"], ["/pool/MaxPool_output_0"], name="/pool/MaxPool",
                         ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2]),
        helper.make_node("Flatten", ["/pool/MaxPool_output_0"], ["/Flatten_output_0"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"], ["/fc/Gemm_output_0"], name="/fc/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Softmax", ["/fc/Gemm_output_0"], ["output"], name="/Softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 1, 28, 28])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 10])],
        [init("conv1.weight", w1), init("conv1.bias", b1), init("fc.weight", w2), init("fc.bias", b2)])
    finish(graph, 13, "pytorch_cnn.onnx")


def pytorch_view_cnn():
    rng = np.random.default_rng(5678)
    f32 = np.float32
    w1 = (rng.standard_normal((4, 1, 3, 3)) * 0.6).astype(f32)
    b1 = (rng.standard_normal(4) * 0.1).astype(f32)
    gamma = rng.uniform(0.5, 1.5, 4).astype(f32)
    beta = (rng.standard_normal(4) * 0.1).astype(f32)
    mean = (rng.standard_normal(4) * 0.1).astype(f32)
    var = rng.uniform(0.5, 2.0, 4).astype(f32)
    wd = (rng.standard_normal((8, 1, 3, 3)) * 0.5).astype(f32)
    bd = (rng.standard_normal(8) * 0.1).astype(f32)
    w3 = (rng.standard_normal((8 * 7 * 7, 16)) * 0.08).astype(f32)  # MatMul B is [K, M]
    b3 = (rng.standard_normal(16) * 0.1).astype(f32)
    w4 = (rng.standard_normal((16, 10)) * 0.3).astype(f32)  # Gemm transB=0: B is [K, M]
    b4 = (rng.standard_normal(10) * 0.1).astype(f32)
    nodes = [
        helper.make_node("Conv", ["input.1", "conv1.weight", "conv1.bias"], ["/conv1/Conv_output_0"], name="/conv1/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["/conv1/Conv_output_0", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"],
                         ["/bn1/BatchNormalization_output_0"], name="/bn1/BatchNormalization", epsilon=1e-5, momentum=0.9),
        helper.make_node("Constant", [], ["/act1/Constant_output_0"], name="/act1/Constant", value=init("", np.array(0, dtype=f32))),
        helper.make_node("Constant", [], ["/act1/Constant_1_output_0"], name="/act1/Constant_1", value=init("", np.array(6, dtype=f32))),
        helper.make_node("Clip", ["/bn1/BatchNormalization_output_0", "/act1/Constant_output_0", "/act1/Constant_1_output_0"],
                         ["/act1/Clip_output_0"], name="/act1/Clip"),
        helper.make_node("Conv", ["/act1/Clip_output_0", "dw.weight", "dw.bias"], ["/dw/Conv_output_0"], name="/dw/Conv",
                         group=4, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["/dw/Conv_output_0"], ["/act2/Relu_output_0"], name="/act2/Relu"),
        helper.make_node("AveragePool", ["/act2/Relu_output_0"], ["/pool/AveragePool_output_0"], name="/pool/AveragePool",
                         ceil_mode=0, count_include_pad=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Shape", ["/pool/AveragePool_output_0"], ["/Shape_output_0"], name="/Shape"),
        helper.make_node("Constant", [], ["/Constant_output_0"], name="/Constant", value=init("", np.array(0, dtype=np.int64))),
        helper.make_node("Gather", ["/Shape_output_0", "/Constant_output_0"], ["/Gather_output_0"], name="/Gather", axis=0),
        helper.make_node("Unsqueeze", ["/Gather_output_0"], ["/Unsqueeze_output_0"], name="/Unsqueeze", axes=[0]),
        helper.make_node("Constant", [], ["/Constant_1_output_0"], name="/Constant_1", value=init("", np.array([-1], dtype=np.int64))),
        helper.make_node("Concat", ["/Unsqueeze_output_0", "/Constant_1_output_0"], ["/Concat_output_0"], name="/Concat", axis=0),
        helper.make_node("Reshape", ["/pool/AveragePool_output_0", "/Concat_output_0"], ["/Reshape_output_0"], name="/Reshape"),
        helper.make_node("MatMul", ["/Reshape_output_0", "fc1.weight_t"], ["/fc1/MatMul_output_0"], name="/fc1/MatMul"),
        helper.make_node("Add", ["fc1.bias", "/fc1/MatMul_output_0"], ["/fc1/Add_output_0"], name="/fc1/Add"),
        helper.make_node("Relu", ["/fc1/Add_output_0"], ["/act3/Relu_output_0"], name="/act3/Relu"),
        helper.make_node("Dropout", ["/act3/Relu_output_0"], ["/drop/Dropout_output_0"], name="/drop/Dropout", ratio=0.25),
        helper.make_node("Gemm", ["/drop/Dropout_output_0", "fc2.weight_t", "fc2.bias"], ["/fc2/Gemm_output_0"], name="/fc2/Gemm",
                         alpha=1.0, beta=1.0, transB=0),
        helper.make_node("Softmax", ["/fc2/Gemm_output_0"], ["19"], name="/Softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "torch_jit",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("19", TensorProto.FLOAT, ["batch", 10])],
        [init("conv1.weight", w1), init("conv1.bias", b1), init("bn1.weight", gamma), init("bn1.bias", beta),
         init("bn1.running_mean", mean), init("bn1.running_var", var), init("dw.weight", wd), init("dw.bias", bd),
         init("fc1.weight_t", w3), init("fc1.bias", b3), init("fc2.weight_t", w4), init("fc2.bias", b4)])
    finish(graph, 11, "pytorch_view_cnn.onnx")


if __name__ == "__main__":
    pytorch_cnn()
    pytorch_view_cnn()
