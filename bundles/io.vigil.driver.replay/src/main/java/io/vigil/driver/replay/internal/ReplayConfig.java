package io.vigil.driver.replay.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.vigil.api.sensor.ChannelKind;

/** Configuration of one replay: which recording, as which asset and channel, how fast. */
@ObjectClassDefinition(id = ReplayDriver.PID, name = "Vigil replay driver",
        description = "Replays a recorded CSV, NPY or NPZ file as the samples of one asset, at real or accelerated speed.")
public @interface ReplayConfig {

    @AttributeDefinition(name = "Asset", description = "Asset the recording is replayed as;"
            + " becomes the driver's vigil.asset service property.")
    String vigil_asset();

    @AttributeDefinition(name = "File", description = "Path of the recording (absolute, or relative to the"
            + " framework's working directory). Loaded and checked at activation.")
    String file();

    @AttributeDefinition(name = "Format", description = "File format; AUTO decides by the extension"
            + " (.csv, .npy, .npz).")
    RecordingFormat format() default RecordingFormat.AUTO;

    @AttributeDefinition(name = "NPZ key", description = "Array of an .npz archive to replay (e.g. DE, FE, BA"
            + " in the CWRU files).")
    String key() default "DE";

    @AttributeDefinition(name = "Column", description = "Column of a 2-D (N, C) array to replay, from 0.")
    int column() default 0;

    @AttributeDefinition(name = "Channel", description = "Channel name the samples are delivered as.")
    String channel() default "vibration";

    @AttributeDefinition(name = "Channel kind", description = "What the channel measures: VIBRATION"
            + " (high-rate, spectral features) or SCALAR (slow, level and trend features).")
    ChannelKind kind() default ChannelKind.VIBRATION;

    @AttributeDefinition(name = "Unit", description = "Engineering unit of the samples, e.g. g or degC.")
    String unit() default "g";

    @AttributeDefinition(name = "Sample rate (Hz)", description = "Sample rate of an NPY/NPZ recording. CSV"
            + " recordings carry their own timestamps and use 1 / the median interval between rows instead.")
    double sample_rate_hz() default 12000;

    @AttributeDefinition(name = "Decimate", description = "Integer factor an NPY/NPZ recording is decimated by"
            + " at load, through an anti-alias low-pass (Blackman windowed sinc, -6 dB at 5/6 of the new Nyquist):"
            + " 1 = none, 4 turns the 48 kHz CWRU normal recording into 12 kHz. sample.rate.hz stays the file's rate;"
            + " the samples are emitted at sample.rate.hz / decimate. Not for CSV recordings.")
    int decimate() default 1;

    @AttributeDefinition(name = "Block size", description = "Samples per block for NPY/NPZ recordings;"
            + " CSV recordings deliver one row per block.")
    int block_size() default 256;

    @AttributeDefinition(name = "Speed", description = "1 = real time, 10 = ten times faster, 0 = as fast as"
            + " the listeners accept.")
    double speed() default 1.0;

    @AttributeDefinition(name = "Loop", description = "Restart from the beginning at the end, with timestamps"
            + " continuing forward.")
    boolean loop() default false;

    @AttributeDefinition(name = "Minimum valid value", description = "Smallest physically plausible sample;"
            + " set to the sensor's range to have out-of-range samples counted.")
    double min_valid() default -1.0e6;

    @AttributeDefinition(name = "Maximum valid value", description = "Largest physically plausible sample;"
            + " set to the sensor's range to have out-of-range samples counted.")
    double max_valid() default 1.0e6;

    @AttributeDefinition(name = "Start (epoch ms)", description = "Timestamp of the first replayed sample, in"
            + " milliseconds since the epoch; 0 = the moment the replay starts (first subscriber).")
    long start_epoch_ms() default 0;

    @AttributeDefinition(name = "Keep CSV timestamps", description = "Replay a CSV with its own timestamps"
            + " instead of shifting them to the start time.")
    boolean keep_timestamps() default false;
}
