package dev.kiln.core;

/** Prints what keeps the Vector API off in this JVM ("none" when nothing does), for HostMathTest's child JVMs. */
public final class VectorApiObstacle {

    private VectorApiObstacle() {}

    public static void main(String[] args) {
        String obstacle = HostMath.vectorApiObstacle();
        System.out.println(obstacle == null ? "none" : obstacle);
    }
}
