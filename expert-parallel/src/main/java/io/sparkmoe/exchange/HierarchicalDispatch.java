package io.sparkmoe.exchange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Moves token rows to the ranks of their experts and the results back, for one layer of one step, sending one
 * copy of a token per destination <em>node</em>: the copy goes to an entry rank on that node (the lowest rank
 * there that needs the token), which fans it out to the other ranks of the node that need it. Combine mirrors
 * it: each rank sums its weighted outputs per token copy, the entry sums its node's partial sums, and one row per
 * token and node goes back. So a token sent to two experts on one remote node crosses the network once, not
 * twice, each way. Built over {@link Topology#flat()} the same code is the plain (flat) dispatch: every rank is
 * its own entry.
 *
 * <p>Every operation is collective (all ranks call it in the same order) and runs two all-to-alls: origin →
 * entry, entry → rank (and back, for combine). {@link #plan} first exchanges the routing metadata the same way,
 * so later calls send rows only. Summation orders are fixed (slot order within a rank, rank order within a node,
 * group order at the origin), so results are reproducible; flat and hierarchical sum in different groupings and
 * agree to rounding (exactly, when the sums are exact).
 *
 * <p>Arrivals ({@link #arrivals()}) are the (token, expert) assignments this rank computes, ordered by entry rank,
 * then copy, then slot; {@link #dispatch} returns their rows in that order and {@link #combine} takes the expert
 * outputs in that order.
 */
public final class HierarchicalDispatch {

    /** The gradients of {@link #combine}: per arrival ({@code w * g}) and per origin slot ({@code g . y}). */
    public record CombineGradients(float[] expertOutputGradient, float[] weightGradient) {
    }

    private final Exchange exchange;
    private final int layer;
    private final int width;
    private final Routes routes;

    // Origin side: the tokens sent to each entry rank, and per token its groups (entry, position) in slot order.
    private final int[][] sentTokens;
    private final int[] groupStart;
    private final int[] groupEntry;
    private final int[] groupPosition;

    // Entry side: the copies received (origin, position there), and per member rank the copies it is forwarded.
    private final int[] copyOrigin;
    private final int[] copyPosition;
    private final int[][] forwarded;
    private final int[] copiesReceivedFrom;

    // Arrival side: per arrival its source (entry rank, position in that entry's forward list) and meaning.
    private final int[] arrivalEntry;
    private final int[] arrivalCopy;
    private final int[] arrivalExpert;
    private final float[] arrivalWeight;
    private final int[] arrivalOrigin;
    private final int[] arrivalOriginSlot;
    private final int[] copiesForwardedBy;

    private HierarchicalDispatch(Exchange exchange, int layer, int width, Routes routes, Topology grouping) {
        this.exchange = exchange;
        this.layer = layer;
        this.width = width;
        this.routes = routes;
        int size = exchange.size();
        int me = exchange.rank();

        // 1. Group each token's slots by entry rank; write the plan for each entry.
        List<IntList> tokensTo = lists(size);
        List<IntList> planTo = lists(size);
        IntList starts = new IntList();
        IntList entries = new IntList();
        IntList positions = new IntList();
        for (int t = 0; t < routes.tokens(); t++) {
            starts.add(entries.size());
            int groupsOfToken = entries.size();
            for (int j = 0; j < routes.k(); j++) {
                int target = routes.rank()[routes.slot(t, j)];
                if (target < 0) {
                    continue;
                }
                if (target >= size) {
                    throw new IllegalArgumentException("rank " + me + " routes token " + t + " slot " + j
                            + " to rank " + target + ", but the run has " + size + " ranks");
                }
                int entry = entryFor(grouping, me, t, target);
                boolean seen = false;
                for (int g = groupsOfToken; g < entries.size(); g++) {
                    seen |= entries.get(g) == entry;
                }
                if (seen) {
                    continue;
                }
                entries.add(entry);
                positions.add(tokensTo.get(entry).size());
                tokensTo.get(entry).add(t);
                IntList plan = planTo.get(entry);
                plan.add(t);
                int countAt = plan.size();
                plan.add(0);
                for (int jj = j; jj < routes.k(); jj++) {
                    int slot = routes.slot(t, jj);
                    int r = routes.rank()[slot];
                    if (r >= 0 && entryFor(grouping, me, t, r) == entry) {
                        plan.add(r);
                        plan.add(routes.expert()[slot]);
                        plan.add(jj);
                        plan.add(Float.floatToRawIntBits(routes.weight()[slot]));
                        plan.set(countAt, plan.get(countAt) + 1);
                    }
                }
            }
        }
        starts.add(entries.size());
        this.sentTokens = arrays(tokensTo);
        this.groupStart = starts.toArray();
        this.groupEntry = entries.toArray();
        this.groupPosition = positions.toArray();

        // 2. As an entry: read the copies, decide what each member gets, tell the members.
        List<Payload> plans = exchange.allToAll(tag(Tag.Phase.DISPATCH_PLAN), payloads(planTo));
        IntList origins = new IntList();
        IntList originPositions = new IntList();
        List<IntList> forwardTo = lists(size);
        List<IntList> memberPlan = lists(size);
        for (int origin = 0; origin < size; origin++) {
            int[] plan = plans.get(origin).ints();
            int at = 0;
            for (int position = 0; at < plan.length; position++) {
                int token = plan[at];
                int count = plan[at + 1];
                at += 2;
                int copy = origins.size();
                origins.add(origin);
                originPositions.add(position);
                for (int a = 0; a < count; a++) {
                    int member = plan[at + 4 * a];
                    if (lastCopyOf(forwardTo.get(member)) == copy) {
                        continue;
                    }
                    forwardTo.get(member).add(copy);
                    IntList toMember = memberPlan.get(member);
                    toMember.add(origin);
                    toMember.add(token);
                    int countAt = toMember.size();
                    toMember.add(0);
                    for (int b = a; b < count; b++) {
                        if (plan[at + 4 * b] == member) {
                            toMember.add(plan[at + 4 * b + 1]);
                            toMember.add(plan[at + 4 * b + 2]);
                            toMember.add(plan[at + 4 * b + 3]);
                            toMember.set(countAt, toMember.get(countAt) + 1);
                        }
                    }
                }
                at += 4 * count;
            }
        }
        this.copyOrigin = origins.toArray();
        this.copyPosition = originPositions.toArray();
        this.forwarded = arrays(forwardTo);
        this.copiesReceivedFrom = new int[size];
        for (int origin : copyOrigin) {
            copiesReceivedFrom[origin]++;
        }

        // 3. As a member: the arrivals, in (entry, copy, slot) order.
        List<Payload> memberPlans = exchange.allToAll(tag(Tag.Phase.DISPATCH_PLAN), payloads(memberPlan));
        IntList fromEntry = new IntList();
        IntList fromCopy = new IntList();
        IntList experts = new IntList();
        IntList weights = new IntList();
        IntList arrivalOrigins = new IntList();
        IntList originSlots = new IntList();
        for (int entry = 0; entry < size; entry++) {
            int[] plan = memberPlans.get(entry).ints();
            int at = 0;
            for (int position = 0; at < plan.length; position++) {
                int origin = plan[at];
                int token = plan[at + 1];
                int count = plan[at + 2];
                at += 3;
                for (int a = 0; a < count; a++, at += 3) {
                    fromEntry.add(entry);
                    fromCopy.add(position);
                    experts.add(plan[at]);
                    arrivalOrigins.add(origin);
                    originSlots.add(token * routes.k() + plan[at + 1]);
                    weights.add(plan[at + 2]);
                }
            }
        }
        this.arrivalEntry = fromEntry.toArray();
        this.arrivalCopy = fromCopy.toArray();
        this.arrivalExpert = experts.toArray();
        this.arrivalOrigin = arrivalOrigins.toArray();
        this.arrivalOriginSlot = originSlots.toArray();
        this.copiesForwardedBy = new int[size];
        for (int i = 0; i < arrivalEntry.length; i++) {
            copiesForwardedBy[arrivalEntry[i]] = Math.max(copiesForwardedBy[arrivalEntry[i]], arrivalCopy[i] + 1);
        }
        int[] weightBits = weights.toArray();
        this.arrivalWeight = new float[weightBits.length];
        for (int i = 0; i < weightBits.length; i++) {
            arrivalWeight[i] = Float.intBitsToFloat(weightBits[i]);
        }
    }

    /**
     * Plans the dispatch of {@code routes} for {@code layer}, rows of {@code width} floats, one copy per
     * destination node ({@code hierarchical}) or per destination rank (flat). Collective.
     */
    public static HierarchicalDispatch plan(Exchange exchange, int layer, int width, Routes routes,
                                            boolean hierarchical) {
        if (width < 1) {
            throw new IllegalArgumentException("row width must be positive, got " + width);
        }
        Topology grouping = hierarchical ? exchange.topology() : exchange.topology().flat();
        return new HierarchicalDispatch(exchange, layer, width, routes, grouping);
    }

    /** Number of (token, expert) assignments this rank computes. */
    public int arrivals() {
        return arrivalExpert.length;
    }

    /** The expert of arrival {@code i}. */
    public int expert(int i) {
        return arrivalExpert[i];
    }

    /** The gate weight of arrival {@code i}. */
    public float weight(int i) {
        return arrivalWeight[i];
    }

    /** The rank whose token arrival {@code i} is. */
    public int originRank(int i) {
        return arrivalOrigin[i];
    }

    /** The slot index ({@code token * k + j}) of arrival {@code i} at its origin. */
    public int originSlot(int i) {
        return arrivalOriginSlot[i];
    }

    /** This rank's token rows {@code [tokens x width]} → the rows of its arrivals {@code [arrivals x width]}. */
    public float[] dispatch(float[] tokenRows) {
        return scatter(tokenRows, Tag.Phase.DISPATCH);
    }

    /**
     * Expert outputs of the arrivals {@code [arrivals x width]} → per token of this rank the weighted sum of
     * its experts' outputs {@code [tokens x width]} (dropped slots contribute nothing).
     */
    public float[] combine(float[] expertOutputs) {
        return gather(expertOutputs, true, Tag.Phase.COMBINE);
    }

    /**
     * Backward of {@link #combine}: the gradient of the combined rows {@code [tokens x width]} and the expert
     * outputs that were combined → per arrival {@code w * g}, and per slot of this rank's tokens {@code g . y}
     * ({@code [tokens x k]}, 0 for dropped slots).
     */
    public CombineGradients combineBackward(float[] combinedGradient, float[] expertOutputs) {
        checkRows(expertOutputs, arrivals(), "expert outputs");
        float[] perArrival = scatter(combinedGradient, Tag.Phase.COMBINE_BACKWARD);
        float[] outputGradient = new float[perArrival.length];
        List<FloatList> scalarsTo = new ArrayList<>();
        List<IntList> slotsTo = lists(exchange.size());
        for (int r = 0; r < exchange.size(); r++) {
            scalarsTo.add(new FloatList());
        }
        for (int i = 0; i < arrivals(); i++) {
            float dot = 0;
            for (int c = 0; c < width; c++) {
                int at = i * width + c;
                outputGradient[at] = arrivalWeight[i] * perArrival[at];
                dot += perArrival[at] * expertOutputs[at];
            }
            scalarsTo.get(arrivalOrigin[i]).add(dot);
            slotsTo.get(arrivalOrigin[i]).add(arrivalOriginSlot[i]);
        }
        List<Payload> outgoing = new ArrayList<>();
        for (int r = 0; r < exchange.size(); r++) {
            outgoing.add(Payload.of(scalarsTo.get(r).toArray(), slotsTo.get(r).toArray()));
        }
        float[] weightGradient = new float[routes.tokens() * routes.k()];
        for (Payload scalars : exchange.allToAll(tag(Tag.Phase.SCALARS), outgoing)) {
            for (int i = 0; i < scalars.ints().length; i++) {
                weightGradient[scalars.ints()[i]] = scalars.floats()[i];
            }
        }
        return new CombineGradients(outputGradient, weightGradient);
    }

    /** Backward of {@link #dispatch}: gradients of the arrivals' rows → per token the sum of its gradients. */
    public float[] dispatchBackward(float[] arrivalGradients) {
        return gather(arrivalGradients, false, Tag.Phase.DISPATCH_BACKWARD);
    }

    private float[] scatter(float[] tokenRows, Tag.Phase phase) {
        checkRows(tokenRows, routes.tokens(), "token rows");
        int size = exchange.size();
        List<Payload> toEntries = new ArrayList<>(size);
        for (int entry = 0; entry < size; entry++) {
            toEntries.add(Payload.ofFloats(rows(tokenRows, sentTokens[entry])));
        }
        List<Payload> copies = exchange.allToAll(tag(phase), toEntries);
        List<Payload> toMembers = new ArrayList<>(size);
        for (int member = 0; member < size; member++) {
            float[] rows = new float[forwarded[member].length * width];
            for (int i = 0; i < forwarded[member].length; i++) {
                int copy = forwarded[member][i];
                System.arraycopy(copies.get(copyOrigin[copy]).floats(), copyPosition[copy] * width, rows, i * width,
                        width);
            }
            toMembers.add(Payload.ofFloats(rows));
        }
        List<Payload> received = exchange.allToAll(tag(phase), toMembers);
        float[] arrivalRows = new float[arrivals() * width];
        for (int i = 0; i < arrivals(); i++) {
            System.arraycopy(received.get(arrivalEntry[i]).floats(), arrivalCopy[i] * width, arrivalRows,
                    i * width, width);
        }
        return arrivalRows;
    }

    private float[] gather(float[] arrivalRows, boolean weighted, Tag.Phase phase) {
        checkRows(arrivalRows, arrivals(), "arrival rows");
        int size = exchange.size();
        float[][] partialTo = new float[size][];
        for (int entry = 0; entry < size; entry++) {
            partialTo[entry] = new float[copiesForwardedBy[entry] * width];
        }
        for (int i = 0; i < arrivals(); i++) {
            float scale = weighted ? arrivalWeight[i] : 1f;
            float[] partial = partialTo[arrivalEntry[i]];
            int to = arrivalCopy[i] * width;
            for (int c = 0; c < width; c++) {
                partial[to + c] += scale * arrivalRows[i * width + c];
            }
        }
        List<Payload> partials = exchange.allToAll(tag(phase), floatPayloads(partialTo));
        float[][] toOrigin = new float[size][];
        for (int origin = 0; origin < size; origin++) {
            toOrigin[origin] = new float[copiesReceivedFrom[origin] * width];
        }
        for (int member = 0; member < size; member++) {
            float[] rows = partials.get(member).floats();
            for (int i = 0; i < forwarded[member].length; i++) {
                int copy = forwarded[member][i];
                float[] sums = toOrigin[copyOrigin[copy]];
                for (int c = 0; c < width; c++) {
                    sums[copyPosition[copy] * width + c] += rows[i * width + c];
                }
            }
        }
        List<Payload> sums = exchange.allToAll(tag(phase), floatPayloads(toOrigin));
        float[] tokenRows = new float[routes.tokens() * width];
        for (int t = 0; t < routes.tokens(); t++) {
            for (int g = groupStart[t]; g < groupStart[t + 1]; g++) {
                float[] rows = sums.get(groupEntry[g]).floats();
                for (int c = 0; c < width; c++) {
                    tokenRows[t * width + c] += rows[groupPosition[g] * width + c];
                }
            }
        }
        return tokenRows;
    }

    /**
     * The rank that receives the node's copy of token {@code t} bound for {@code target}: the lowest rank on the
     * target's node that the token goes to, except on the origin's own node, where each rank gets its own copy
     * (a detour through a node-mate would save nothing).
     */
    private int entryFor(Topology grouping, int origin, int t, int target) {
        if (grouping.sameNode(origin, target)) {
            return target;
        }
        int entry = target;
        for (int j = 0; j < routes.k(); j++) {
            int r = routes.rank()[routes.slot(t, j)];
            if (r >= 0 && r < entry && grouping.sameNode(r, target)) {
                entry = r;
            }
        }
        return entry;
    }

    private float[] rows(float[] source, int[] indices) {
        float[] rows = new float[indices.length * width];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(source, indices[i] * width, rows, i * width, width);
        }
        return rows;
    }

    private void checkRows(float[] rows, int count, String what) {
        if (rows.length != (long) count * width) {
            throw new IllegalArgumentException("rank " + exchange.rank() + " layer " + layer + ": " + what + " have "
                    + rows.length + " floats, expected " + count + " rows of " + width);
        }
    }

    private Tag tag(Tag.Phase phase) {
        return Tag.of(layer, phase);
    }

    private static int lastCopyOf(IntList list) {
        return list.size() == 0 ? -1 : list.get(list.size() - 1);
    }

    private static List<IntList> lists(int count) {
        List<IntList> lists = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lists.add(new IntList());
        }
        return lists;
    }

    private static int[][] arrays(List<IntList> lists) {
        int[][] arrays = new int[lists.size()][];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = lists.get(i).toArray();
        }
        return arrays;
    }

    private static List<Payload> payloads(List<IntList> ints) {
        List<Payload> payloads = new ArrayList<>(ints.size());
        for (IntList list : ints) {
            payloads.add(Payload.ofInts(list.toArray()));
        }
        return payloads;
    }

    private static List<Payload> floatPayloads(float[][] floats) {
        List<Payload> payloads = new ArrayList<>(floats.length);
        for (float[] array : floats) {
            payloads.add(Payload.ofFloats(array));
        }
        return payloads;
    }

    /** A growable int array (no boxing on the plan's paths). */
    private static final class IntList {
        private int[] values = new int[8];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int get(int i) {
            return values[i];
        }

        void set(int i, int value) {
            values[i] = value;
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] values = new float[8];
        private int size;

        void add(float value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
