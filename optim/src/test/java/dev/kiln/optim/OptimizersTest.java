package dev.kiln.optim;

import static dev.kiln.optim.LearningRateScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Names and Keras defaults, and the argument checks of every optimizer. */
class OptimizersTest {

    @Test
    void byNameGivesKerasDefaults() {
        var sgd = assertInstanceOf(SGD.class, Optimizers.byName("sgd"));
        assertEquals(new SGD.Config(LearningRateSchedule.constant(0.01), 0.0, false, OptimizerOptions.NONE), sgd.config());

        var adam = assertInstanceOf(Adam.class, Optimizers.byName("adam"));
        assertEquals(new Adam.Config(LearningRateSchedule.constant(0.001), 0.9, 0.999, 1e-7, false, OptimizerOptions.NONE),
                adam.config());

        var adamW = assertInstanceOf(AdamW.class, Optimizers.byName("adamw"));
        assertEquals(new AdamW.Config(LearningRateSchedule.constant(0.001), 0.9, 0.999, 1e-7, false,
                new OptimizerOptions(0.004, 0, 0, 0)), adamW.config());

        var rmsprop = assertInstanceOf(RMSprop.class, Optimizers.byName("rmsprop"));
        assertEquals(new RMSprop.Config(LearningRateSchedule.constant(0.001), 0.9, 0.0, 1e-7, false, OptimizerOptions.NONE),
                rmsprop.config());

        var adagrad = assertInstanceOf(Adagrad.class, Optimizers.byName("adagrad"));
        assertEquals(new Adagrad.Config(LearningRateSchedule.constant(0.001), 0.1, 1e-7, OptimizerOptions.NONE), adagrad.config());

        var nadam = assertInstanceOf(Nadam.class, Optimizers.byName("nadam"));
        assertEquals(new Nadam.Config(LearningRateSchedule.constant(0.001), 0.9, 0.999, 1e-7, OptimizerOptions.NONE), nadam.config());

        for (String name : List.of("sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam")) {
            assertEquals(name, Optimizers.byName(name).name());
            assertEquals(0, Optimizers.byName(name).iterations());
        }
        assertInstanceOf(RMSprop.class, Optimizers.byName("RMSprop"));
        assertMessage(() -> Optimizers.byName("adamax"),
                "Unknown optimizer 'adamax'. Expected one of [adagrad, adam, adamw, nadam, rmsprop, sgd]");
    }

    @Test
    void badArgumentsAreRejectedWithTheValueReceived() {
        assertMessage(() -> new Adam(-0.1), "learningRate=-0.1");
        assertMessage(() -> new SGD(-1.0), "learningRate=-1.0");
        assertMessage(() -> new Adam(Adam.Config.defaults().withBeta1(1.0)), "beta1 must be in [0, 1). Received: beta1=1.0");
        assertMessage(() -> new Adam(Adam.Config.defaults().withBeta1(-0.1)), "beta1=-0.1");
        assertMessage(() -> Adam.Config.defaults().withBeta2(1.5), "beta2=1.5");
        assertMessage(() -> Adam.Config.defaults().withEpsilon(0), "epsilon must be a finite number > 0. Received: epsilon=0.0");
        assertMessage(() -> AdamW.Config.defaults().withEpsilon(-1e-7), "epsilon=-1.0E-7");
        assertMessage(() -> Nadam.Config.defaults().withBeta1(1.0), "beta1=1.0");
        assertMessage(() -> RMSprop.Config.defaults().withEpsilon(0), "epsilon=0.0");
        assertMessage(() -> RMSprop.Config.defaults().withRho(1.0), "rho=1.0");
        assertMessage(() -> RMSprop.Config.defaults().withMomentum(-0.5), "momentum=-0.5");
        assertMessage(() -> Adagrad.Config.defaults().withEpsilon(-1), "epsilon=-1.0");
        assertMessage(() -> Adagrad.Config.defaults().withInitialAccumulatorValue(-0.1), "initialAccumulatorValue=-0.1");
        assertMessage(() -> SGD.Config.defaults().withMomentum(1.5), "momentum must be in [0, 1]. Received: momentum=1.5");
        assertMessage(() -> Adam.Config.defaults().withClipnorm(1.0).withGlobalClipnorm(2.0),
                "Only one of clipnorm, clipvalue and globalClipnorm can be set. "
                        + "Received: clipnorm=1.0, clipvalue=0.0, globalClipnorm=2.0");
        assertMessage(() -> new OptimizerOptions(0, 0, 0.5, 1.0), "clipvalue=0.5, globalClipnorm=1.0");
        assertMessage(() -> OptimizerOptions.NONE.withClipnorm(-1), "clipnorm=-1.0");
        assertMessage(() -> OptimizerOptions.NONE.withWeightDecay(-0.01), "weightDecay=-0.01");
    }
}
