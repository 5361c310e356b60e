package io.vigil.bench;

import java.util.concurrent.TimeUnit;

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

import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.features.internal.VibrationFeatures;

/**
 * Vibration feature extraction on one core: the score is windows per second; multiply by the window size for
 * samples per second. Single-threaded because a gateway pipeline extracts a channel's windows on one thread, and
 * the machine has two cores to share with everything else.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class FeatureExtractionBenchmark {

    @Param({"2048", "4096"})
    public int windowSize;

    private VibrationFeatures features;
    private Window window;

    @Setup
    public void setUp() {
        features = new VibrationFeatures(8);
        window = VibrationSignal.window(windowSize, 20_240_611L);
    }

    @Benchmark
    public FeatureVector vibrationFeatures() {
        return features.extract(window);
    }
}
