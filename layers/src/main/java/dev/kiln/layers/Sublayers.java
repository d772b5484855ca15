package dev.kiln.layers;

import dev.kiln.core.Shape;
import java.util.List;

/** Building the parts of a composite layer inside its own build(), as Keras's sublayer.build(shape) calls do. */
final class Sublayers {

    private Sublayers() {}

    /** Names {@code layer} (its weights then read {@code outer/name/kernel}) and builds it for these input shapes. */
    static <L extends Layer> L built(L layer, String name, Shape... inputShapes) {
        L named = layer.named(name);
        named.maybeBuild(List.of(inputShapes));
        return named;
    }
}
