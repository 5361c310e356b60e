package io.vigil.models.training;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * Runs an exported graph in ONNX Runtime, the engine Vigil uses, and compares it with the trained Tribuo model on the
 * same float inputs. The exported file is what ships, so it is the file that is checked, not the Tribuo object.
 */
final class OnnxCheck {

    static final double TOLERANCE = 1e-5;
    /*
     * The probabilities of these models sit within 1e-5 of 0 or 1 for most windows, where an absolute tolerance on
     * them is a weak test of the weights: the graph of a model trained without the IR recordings passed it on 386 of
     * 751 windows, and failed it on the first of the others by only 3.5e-5. The log-odds ln(p_fault) - ln(p_normal)
     * are not saturated (that graph was off by about 4 on the first window and failed on all 751); float Gemm and
     * Softmax keep them within about 4e-6 of Tribuo's here.
     */
    static final double LOG_ODDS_TOLERANCE = 1e-4;

    /**
     * What the graph declares and how far its outputs are from Tribuo's.
     *
     * @param inputName the graph's input
     * @param inputShape its shape, -1 for the batch
     * @param outputName the graph's output
     * @param outputShape its shape
     * @param opset the default-domain opset the graph imports
     * @param windows windows compared
     * @param maxAbsDiff largest |ORT - Tribuo| over all outputs of all windows
     * @param maxLogOddsDiff largest |ORT - Tribuo| of the log-odds ln(p_fault) - ln(p_normal)
     * @param outputs ORT's outputs, one row per input
     */
    record Result(String inputName, long[] inputShape, String outputName, long[] outputShape, long opset,
            int windows, double maxAbsDiff, double maxLogOddsDiff, float[][] outputs) {
    }

    private OnnxCheck() {
    }

    /**
     * @param inputs model inputs, one row each
     * @throws IllegalStateException if the graph's signature is not [-1, features] in and [-1, 2] out, an output
     *             differs from Tribuo's by {@link #TOLERANCE} or more, or the log-odds by {@link #LOG_ODDS_TOLERANCE}
     */
    static Result check(String label, byte[] onnx, FaultModel model, List<float[]> inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(onnx, options)) {
            if (session.getInputInfo().size() != 1 || session.getOutputInfo().size() != 1) {
                throw new IllegalStateException(label + ": expected one input and one output, the graph has inputs "
                        + session.getInputNames() + " and outputs " + session.getOutputNames());
            }
            Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
            Map.Entry<String, NodeInfo> out = session.getOutputInfo().entrySet().iterator().next();
            long[] inShape = ((TensorInfo) in.getValue().getInfo()).getShape();
            long[] outShape = ((TensorInfo) out.getValue().getInfo()).getShape();
            int d = model.features().size();
            if (!Arrays.equals(inShape, new long[] {-1, d}) || !Arrays.equals(outShape, new long[] {-1, 2})) {
                throw new IllegalStateException(label + ": graph signature " + in.getKey() + Arrays.toString(inShape)
                        + " -> " + out.getKey() + Arrays.toString(outShape) + ", expected [-1, " + d + "] -> [-1, 2]");
            }
            int n = inputs.size();
            FloatBuffer batch = FloatBuffer.allocate(n * d);
            inputs.forEach(batch::put);
            batch.flip();
            double maxDiff = 0;
            double maxLogOdds = 0;
            int fault = model.faultIndex();
            float[][] outputs;
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, batch, new long[] {n, d});
                    OrtSession.Result result = session.run(Map.of(in.getKey(), tensor))) {
                float[][] ort = (float[][]) result.get(0).getValue();
                for (int r = 0; r < n; r++) {
                    double[] tribuo = model.outputs(inputs.get(r));
                    for (int c = 0; c < 2; c++) {
                        double diff = Math.abs(ort[r][c] - tribuo[c]);
                        // written so that a NaN on either side fails
                        if (!(diff < TOLERANCE)) {
                            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                                    "%s: ONNX Runtime and Tribuo disagree on row %d, column %d: ORT %.9g, Tribuo %.9g "
                                            + "(|diff| %.3g, tolerance %.0e); input %s. The exported graph does not "
                                            + "compute the trained model: do not ship it.",
                                    label, r, c, ort[r][c], tribuo[c], diff, TOLERANCE,
                                    Arrays.toString(inputs.get(r))));
                        }
                        maxDiff = Math.max(maxDiff, diff);
                    }
                    double ortLogOdds = Math.log(ort[r][fault]) - Math.log(ort[r][1 - fault]);
                    double tribuoLogOdds = Math.log(tribuo[fault]) - Math.log(tribuo[1 - fault]);
                    double diff = Math.abs(ortLogOdds - tribuoLogOdds);
                    if (!(diff < LOG_ODDS_TOLERANCE)) {
                        throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                                "%s: ONNX Runtime and Tribuo disagree on the log-odds of fault for row %d: ORT %.9g, "
                                        + "Tribuo %.9g (|diff| %.3g, tolerance %.0e); input %s. The exported graph "
                                        + "does not compute the trained model: do not ship it.",
                                label, r, ortLogOdds, tribuoLogOdds, diff, LOG_ODDS_TOLERANCE,
                                Arrays.toString(inputs.get(r))));
                    }
                    maxLogOdds = Math.max(maxLogOdds, diff);
                }
                outputs = ort;
            }
            long opset = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(onnx).getOpsetImportList().stream()
                    .filter(o -> o.getDomain().isEmpty()).mapToLong(o -> o.getVersion()).findFirst().orElse(-1);
            return new Result(in.getKey(), inShape, out.getKey(), outShape, opset, n, maxDiff, maxLogOdds, outputs);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(label + ": the exported graph does not parse back: " + e.getMessage(), e);
        }
    }
}
