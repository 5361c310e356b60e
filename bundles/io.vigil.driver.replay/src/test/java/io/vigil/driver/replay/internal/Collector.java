package io.vigil.driver.replay.internal;

import java.util.ArrayList;
import java.util.List;

import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;

/** Keeps the blocks it receives, up to a limit so an endless replay cannot fill the heap. */
class Collector implements SampleListener {

    private final List<SampleBlock> blocks = new ArrayList<>();
    private final List<String> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int limit;

    Collector() {
        this(Integer.MAX_VALUE);
    }

    Collector(int limit) {
        this.limit = limit;
    }

    @Override
    public void onSamples(SampleBlock block) {
        synchronized (blocks) {
            if (blocks.size() < limit) {
                blocks.add(block);
            }
        }
    }

    @Override
    public void onEndOfStream(String channel) {
        ended.add(channel);
    }

    /** @return the channels whose end of stream was signalled, in order */
    List<String> ended() {
        return List.copyOf(ended);
    }

    List<SampleBlock> blocks() {
        synchronized (blocks) {
            return List.copyOf(blocks);
        }
    }

    int count() {
        synchronized (blocks) {
            return blocks.size();
        }
    }

    /** @return the samples of all blocks, in delivery order */
    double[] values() {
        List<SampleBlock> copy = blocks();
        double[] values = new double[copy.stream().mapToInt(SampleBlock::size).sum()];
        int at = 0;
        for (SampleBlock block : copy) {
            System.arraycopy(block.values(), 0, values, at, block.size());
            at += block.size();
        }
        return values;
    }
}
