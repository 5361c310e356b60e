package io.vigil.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under {@link FeatureExtractionBenchmark}: only the in-place commons-math FFT of the same window,
 * zero-padded the same way, plus the copy into the buffers that any in-place transform needs. The ratio of the
 * two scores is what the moments, the Hann window and the band sums cost on top of the transform.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class RawFftBaselineBenchmark {

    @Param({"2048", "4096"})
    public int windowSize;

    private double[] samples;
    private double[][] dataRI;

    @Setup
    public void setUp() {
        samples = VibrationSignal.window(windowSize, 20_240_611L).samples();
        int padded = Integer.highestOneBit(windowSize);
        dataRI = new double[2][padded == windowSize ? padded : padded << 1];
    }

    @Benchmark
    public double[][] rawFft() {
        double[] re = dataRI[0];
        System.arraycopy(samples, 0, re, 0, samples.length);
        Arrays.fill(re, samples.length, re.length, 0.0);
        Arrays.fill(dataRI[1], 0.0);
        FastFourierTransformer.transformInPlace(dataRI, DftNormalization.STANDARD, TransformType.FORWARD);
        return dataRI;
    }
}
