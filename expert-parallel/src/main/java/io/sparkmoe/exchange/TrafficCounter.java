package io.sparkmoe.exchange;

import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes a rank has sent, per {@link TrafficClass} and per {@link Tag} (layer and phase). Locality is only worth
 * what it saves on the network, so every send is counted where it happens, by the exchange itself; the training
 * loop reads {@link #snapshot()} into its metrics. Thread-safe: sends may be counted from several threads.
 */
public final class TrafficCounter {

    private final Map<Tag, LongAdder[]> bytes = new ConcurrentHashMap<>();

    /** Counts {@code count} bytes of class {@code trafficClass} sent for {@code tag}. */
    public void add(Tag tag, TrafficClass trafficClass, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("a byte count cannot be negative: " + count);
        }
        LongAdder[] adders = bytes.computeIfAbsent(tag, t -> newAdders());
        adders[trafficClass.ordinal()].add(count);
    }

    /** A consistent-enough copy of the counts (each counter read once), tags in (layer, phase) order. */
    public Snapshot snapshot() {
        Map<Tag, Map<TrafficClass, Long>> copy = new LinkedHashMap<>();
        bytes.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparingInt(Tag::layer).thenComparing(Tag::phase)))
                .forEach(entry -> {
                    Map<TrafficClass, Long> perClass = new EnumMap<>(TrafficClass.class);
                    for (TrafficClass trafficClass : TrafficClass.values()) {
                        perClass.put(trafficClass, entry.getValue()[trafficClass.ordinal()].sum());
                    }
                    copy.put(entry.getKey(), perClass);
                });
        return new Snapshot(copy);
    }

    private static LongAdder[] newAdders() {
        LongAdder[] adders = new LongAdder[TrafficClass.values().length];
        for (int i = 0; i < adders.length; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    /** Counted bytes at one moment: per tag, per class. */
    public record Snapshot(Map<Tag, Map<TrafficClass, Long>> byTag) {

        public Snapshot {
            byTag = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byTag));
        }

        /** Bytes of {@code trafficClass} over all tags. */
        public long bytes(TrafficClass trafficClass) {
            return byTag.values().stream().mapToLong(perClass -> perClass.get(trafficClass)).sum();
        }

        /** Bytes of {@code trafficClass} sent for {@code tag} (0 when nothing was). */
        public long bytes(Tag tag, TrafficClass trafficClass) {
            Map<TrafficClass, Long> perClass = byTag.get(tag);
            return perClass == null ? 0 : perClass.get(trafficClass);
        }

        /** Bytes of {@code trafficClass} sent in {@code phase}, over all layers. */
        public long bytes(Tag.Phase phase, TrafficClass trafficClass) {
            return byTag.entrySet().stream().filter(entry -> entry.getKey().phase() == phase)
                    .mapToLong(entry -> entry.getValue().get(trafficClass)).sum();
        }

        /** The difference {@code this - earlier}: what was sent in between. */
        public Snapshot minus(Snapshot earlier) {
            Map<Tag, Map<TrafficClass, Long>> difference = new LinkedHashMap<>();
            byTag.forEach((tag, perClass) -> {
                Map<TrafficClass, Long> delta = new EnumMap<>(TrafficClass.class);
                perClass.forEach((trafficClass, count) ->
                        delta.put(trafficClass, count - earlier.bytes(tag, trafficClass)));
                difference.put(tag, delta);
            });
            return new Snapshot(difference);
        }
    }
}
