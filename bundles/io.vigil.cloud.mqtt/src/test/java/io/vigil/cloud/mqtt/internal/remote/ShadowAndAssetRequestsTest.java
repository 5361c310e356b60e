package io.vigil.cloud.mqtt.internal.remote;

import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CONSOLE;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.bytes;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.config;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.replyTopic;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.report;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.request;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.RejectedModel;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.shadow.ShadowState;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;
import io.vigil.cloud.mqtt.internal.kura.MetricValue;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CollectingSender;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.Sent;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.Services;

/** VIGIL-SHADOW-V1 and VIGIL-ASSET-V1: every resource's reply. */
class ShadowAndAssetRequestsTest {

    private static final String SHADOW = RequestDispatcher.SHADOW_APP;
    private static final String ASSET = RequestDispatcher.ASSET_APP;

    private final Services services = new Services();
    private final CollectingSender sender = new CollectingSender();
    private final RequestDispatcher dispatcher = new RequestDispatcher(config(CONSOLE), services, sender);

    @AfterEach
    void close() {
        dispatcher.close();
    }

    private Sent reply(String app, String requestId, int code) {
        Sent s = sender.await(replyTopic(app, requestId));
        assertEquals(code, s.code(), s.message());
        return s;
    }

    @Test
    void getReportsAndOneReportRenderNonFiniteNumbersAsNull() {
        services.shadow.reports.put("pump-7", report("pump-7", ShadowState.SHADOWING, 0.95));

        dispatcher.onMessage(topic(SHADOW, Method.GET, "reports"), bytes(request("s1")));
        dispatcher.onMessage(topic(SHADOW, Method.GET, "reports", "pump-7"), bytes(request("s2")));
        dispatcher.onMessage(topic(SHADOW, Method.GET, "reports", "pump-9"), bytes(request("s3")));

        JsonObject listed = reply(SHADOW, "s1", 200).json().getAsJsonArray().get(0).getAsJsonObject();
        assertEquals("pump-7", listed.get("assetId").getAsString());
        Sent one = reply(SHADOW, "s2", 200);
        assertEquals("SHADOWING", one.string(RemoteMetrics.SHADOW_STATE));
        JsonObject r = one.json().getAsJsonObject();
        assertEquals(0.95, r.get("agreement").getAsDouble());
        assertTrue(r.get("agreementLow").isJsonNull(), "NaN is null");
        assertTrue(r.get("latencyRatio").isJsonNull(), "infinity is null");
        assertEquals(72, r.getAsJsonObject("alerts").get("neither").getAsLong());
        assertTrue(reply(SHADOW, "s3", 404).message().contains("pump-9"));
    }

    @Test
    void startStopPromoteAndRejectActAsTheRequesterAndAnswerWithTheReport() {
        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "start"), bytes(request("s4").metric(RemoteMetrics.ASSET,
                "pump-7").metric(RemoteMetrics.MODEL_NAME, "bearing").metric(RemoteMetrics.MODEL_VERSION, "2.0.0")));
        assertEquals("SHADOWING", reply(SHADOW, "s4", 200).string(RemoteMetrics.SHADOW_STATE));

        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "promote"), bytes(request("s5")
                .metric(RemoteMetrics.ASSET, "pump-7")));
        Sent notReady = reply(SHADOW, "s5", 409);
        assertEquals("WRONG_STATE", notReady.string(RemoteMetrics.SHADOW_ERROR_REASON));

        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "promote"), bytes(request("s6")
                .metric(RemoteMetrics.ASSET, "pump-7").metric(RemoteMetrics.FORCE, true)));
        assertEquals("PROMOTED", reply(SHADOW, "s6", 200).json().getAsJsonObject().get("state").getAsString());

        services.shadow.reports.put("pump-8", report("pump-8", ShadowState.READY, 0.9));
        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "reject"), bytes(request("s7")
                .metric(RemoteMetrics.ASSET, "pump-8").metric(RemoteMetrics.REASON, "too many alerts")));
        assertEquals("REJECTED", reply(SHADOW, "s7", 200).string(RemoteMetrics.SHADOW_STATE));

        services.shadow.reports.put("pump-9", report("pump-9", ShadowState.SHADOWING, 0.9));
        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "stop"), bytes(request("s8")
                .metric(RemoteMetrics.ASSET, "pump-9")));
        assertEquals("STOPPED", reply(SHADOW, "s8", 200).string(RemoteMetrics.SHADOW_STATE));

        assertEquals(List.of("start pump-7 bearing:2.0.0", "promote pump-7 true mqtt:" + CONSOLE,
                "reject pump-8 too many alerts mqtt:" + CONSOLE, "stop pump-9"), services.shadow.calls);
    }

    @Test
    void shadowRefusalsMapToCodes() {
        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "start"), bytes(request("s9").metric(RemoteMetrics.ASSET,
                "fan-1").metric(RemoteMetrics.MODEL_NAME, "bearing").metric(RemoteMetrics.MODEL_VERSION, "2.0.0")));
        dispatcher.onMessage(topic(SHADOW, Method.EXEC, "start"), bytes(request("s10")
                .metric(RemoteMetrics.ASSET, "pump-7").metric(RemoteMetrics.MODEL_NAME, "bearing")));
        dispatcher.onMessage(topic(SHADOW, Method.GET, "start"), bytes(request("s11")));

        assertEquals("UNKNOWN_ASSET", reply(SHADOW, "s9", 404).string(RemoteMetrics.SHADOW_ERROR_REASON));
        assertTrue(reply(SHADOW, "s10", 400).message().contains("'model.version'"));
        reply(SHADOW, "s11", 405);
        assertEquals(List.of(), services.shadow.calls);
    }

    @Test
    void getAssetsAndOneAsset() {
        services.assets.add(new AssetStatus("pump-7", 1, List.of(new ChannelStatus("vibration", 1000, 10, 0,
                Map.of(InputFault.GAP, 2L), false, DetectorState.values()[0], Double.NaN, 0.001, 0.0, false,
                "bearing:1.0.0", 10, 0, List.of("rms")))));

        dispatcher.onMessage(topic(ASSET, Method.GET, "assets"), bytes(request("a1")));
        dispatcher.onMessage(topic(ASSET, Method.GET, "assets", "pump-7"), bytes(request("a2")));
        dispatcher.onMessage(topic(ASSET, Method.GET, "assets", "pump-9"), bytes(request("a3")));

        Sent all = reply(ASSET, "a1", 200);
        assertEquals(new MetricValue.IntValue(1), all.metric(RemoteMetrics.COUNT));
        JsonObject channel = reply(ASSET, "a2", 200).json().getAsJsonObject().getAsJsonArray("channels").get(0)
                .getAsJsonObject();
        assertEquals("vibration", channel.get("channel").getAsString());
        assertTrue(channel.get("threshold").isJsonNull());
        assertEquals(2, channel.getAsJsonObject("faults").get("GAP").getAsLong());
        assertTrue(reply(ASSET, "a3", 404).message().contains("pump-9"));
    }

    @Test
    void getModelsListsServedAndRejected() {
        services.served.add(new ModelDescriptor("bearing", "1.0.0", "binary-fault-score", new TensorSpec("x",
                TensorType.values()[0], new long[] { -1, 2 }), new TensorSpec("y", TensorType.values()[0],
                        new long[] { -1, 1 }), List.of("rms", "kurtosis"), new double[] { 0, 0 }, new double[] { 1,
                                1 }, 0.5));
        services.rejected.add(new RejectedModel(42, "broken.model 1.0.0", "no .onnx entry"));

        dispatcher.onMessage(topic(ASSET, Method.GET, "models"), bytes(request("m1")));

        Sent s = reply(ASSET, "m1", 200);
        assertEquals(new MetricValue.IntValue(1), s.metric(RemoteMetrics.MODELS_SERVED));
        assertEquals(new MetricValue.IntValue(1), s.metric(RemoteMetrics.MODELS_REJECTED));
        JsonObject body = s.json().getAsJsonObject();
        assertEquals("bearing", body.getAsJsonArray("served").get(0).getAsJsonObject().get("name").getAsString());
        assertEquals("no .onnx entry", body.getAsJsonArray("rejected").get(0).getAsJsonObject().get("reason")
                .getAsString());
    }

    @Test
    void anUnknownAssetResourceIs404() {
        dispatcher.onMessage(topic(ASSET, Method.GET, "drivers"), bytes(request("a4")));

        assertTrue(reply(ASSET, "a4", 404).message().contains("GET assets"));
    }
}
