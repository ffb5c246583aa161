package org.grouptherapy.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The assignment of waitlisted people to groups with open seats that maximises the total placement
 * score, exactly, as a minimum-cost flow: source → person (1) → group, or through the group's
 * acuity gate for a person with severe scores (the gate's capacity is how many more severe members
 * the group takes) → group → sink (open seats). Edge costs are minus the scores (integers in
 * thousandths). Primal-dual successive shortest paths: node potentials start from the shortest
 * distances on the initial graph (a DAG, so one pass in order), each round runs Dijkstra on the
 * reduced costs and then sends flow along every shortest path it can find (a depth-first search
 * over the edges whose reduced cost is zero). Augmenting stops when the shortest path no longer has
 * negative cost, so nobody is placed at a loss. People and groups are taken in the order given, so
 * the same input gives the same answer.
 */
public final class WaitlistSolver {

  /** One person's possible placements. */
  public record Candidate(int person, int group, int score, boolean severe) {}

  /** Group {@code g}: open seats, and how many more severe members it may take (or -1). */
  public record Seats(int open, int severeRoom) {}

  private WaitlistSolver() {}

  /**
   * @return for each person, the index of their group, or -1 when they stay waiting
   */
  public static int[] solve(int people, List<Seats> groups, List<Candidate> candidates) {
    int g = groups.size();
    // nodes: 0 source, 1 sink, 2.. people, then groups, then acuity gates
    int personBase = 2;
    int groupBase = personBase + people;
    int gateBase = groupBase + g;
    Graph graph = new Graph(gateBase + g);
    for (int p = 0; p < people; p++) {
      graph.add(0, personBase + p, 1, 0);
    }
    for (int i = 0; i < g; i++) {
      Seats seats = groups.get(i);
      if (seats.open() > 0) {
        graph.add(groupBase + i, 1, seats.open(), 0);
      }
      int gate = seats.severeRoom() < 0 ? seats.open() : Math.min(seats.open(), seats.severeRoom());
      if (gate > 0) {
        graph.add(gateBase + i, groupBase + i, gate, 0);
      }
    }
    int[] edgeOf = new int[candidates.size()];
    for (int c = 0; c < candidates.size(); c++) {
      Candidate candidate = candidates.get(c);
      int to = candidate.severe() ? gateBase + candidate.group() : groupBase + candidate.group();
      edgeOf[c] = graph.add(personBase + candidate.person(), to, 1, -candidate.score());
    }
    graph.minCostFlow(0, 1, dagOrder(people, g, personBase, groupBase, gateBase));
    int[] assigned = new int[people];
    Arrays.fill(assigned, -1);
    for (int c = 0; c < candidates.size(); c++) {
      if (graph.flow(edgeOf[c]) > 0) {
        assigned[candidates.get(c).person()] = candidates.get(c).group();
      }
    }
    return assigned;
  }

  /**
   * What placing by hand would do, for comparison: people in waitlist order, each taking their
   * best-scoring group that still has a seat (and acuity room, if severe).
   */
  public static int[] firstComeFirstServed(
      int people, List<Seats> groups, List<Candidate> candidates) {
    int[] open = groups.stream().mapToInt(Seats::open).toArray();
    int[] severeRoom = groups.stream().mapToInt(Seats::severeRoom).toArray();
    List<List<Candidate>> byPerson = new ArrayList<>();
    for (int p = 0; p < people; p++) {
      byPerson.add(new ArrayList<>());
    }
    candidates.forEach(c -> byPerson.get(c.person()).add(c));
    int[] assigned = new int[people];
    Arrays.fill(assigned, -1);
    for (int p = 0; p < people; p++) {
      Candidate best = null;
      for (Candidate c : byPerson.get(p)) {
        boolean fits = open[c.group()] > 0 && (!c.severe() || severeRoom[c.group()] != 0);
        if (fits && (best == null || c.score() > best.score())) {
          best = c;
        }
      }
      if (best != null) {
        assigned[p] = best.group();
        open[best.group()]--;
        if (best.severe() && severeRoom[best.group()] > 0) {
          severeRoom[best.group()]--;
        }
      }
    }
    return assigned;
  }

  /** The nodes in an order where every initial edge points forward. */
  private static int[] dagOrder(int people, int g, int personBase, int groupBase, int gateBase) {
    int[] order = new int[2 + people + 2 * g];
    int n = 0;
    order[n++] = 0;
    for (int p = 0; p < people; p++) {
      order[n++] = personBase + p;
    }
    for (int i = 0; i < g; i++) {
      order[n++] = gateBase + i;
    }
    for (int i = 0; i < g; i++) {
      order[n++] = groupBase + i;
    }
    order[n] = 1;
    return order;
  }

  /** A residual graph in arrays: edge e and its reverse e^1. */
  private static final class Graph {
    private static final long INFINITE = Long.MAX_VALUE / 4;
    private static final int OPEN = 0;
    private static final int ON_PATH = 1;
    private static final int DEAD = 2;
    private final int nodes;
    private final List<int[]> adjacency = new ArrayList<>();
    private int[] to = new int[16];
    private int[] capacity = new int[16];
    private int[] cost = new int[16];
    private int[] original = new int[16];
    private int edges;
    private int[][] out;

    Graph(int nodes) {
      this.nodes = nodes;
    }

    int add(int from, int target, int cap, int edgeCost) {
      ensure(edges + 2);
      int e = edges;
      to[e] = target;
      capacity[e] = cap;
      original[e] = cap;
      cost[e] = edgeCost;
      to[e + 1] = from;
      capacity[e + 1] = 0;
      cost[e + 1] = -edgeCost;
      adjacency.add(new int[] {from, e});
      adjacency.add(new int[] {target, e + 1});
      edges += 2;
      return e;
    }

    int flow(int edge) {
      return original[edge] - capacity[edge];
    }

    private void ensure(int size) {
      if (size > to.length) {
        int n = Math.max(size, to.length * 2);
        to = Arrays.copyOf(to, n);
        capacity = Arrays.copyOf(capacity, n);
        cost = Arrays.copyOf(cost, n);
        original = Arrays.copyOf(original, n);
      }
    }

    private void index() {
      int[] count = new int[nodes];
      for (int[] a : adjacency) {
        count[a[0]]++;
      }
      out = new int[nodes][];
      for (int v = 0; v < nodes; v++) {
        out[v] = new int[count[v]];
      }
      int[] fill = new int[nodes];
      for (int[] a : adjacency) {
        out[a[0]][fill[a[0]]++] = a[1];
      }
    }

    void minCostFlow(int source, int sink, int[] topological) {
      index();
      long[] potential = new long[nodes];
      Arrays.fill(potential, INFINITE);
      potential[source] = 0;
      for (int v : topological) {
        if (potential[v] == INFINITE) {
          continue;
        }
        for (int e : out[v]) {
          if (capacity[e] > 0 && potential[v] + cost[e] < potential[to[e]]) {
            potential[to[e]] = potential[v] + cost[e];
          }
        }
      }
      long[] distance = new long[nodes];
      int[] via = new int[nodes];
      int[] state = new int[nodes];
      int[] next = new int[nodes];
      int[] stackNode = new int[nodes + 1];
      int[] stackEdge = new int[nodes + 1];
      while (true) {
        if (!dijkstra(source, sink, potential, distance, via)) {
          return;
        }
        for (int v = 0; v < nodes; v++) {
          if (distance[v] != INFINITE) {
            potential[v] += distance[v];
          }
        }
        if (potential[sink] - potential[source] >= 0) {
          return;
        }
        if (augmentTight(source, sink, potential, state, next, stackNode, stackEdge) == 0) {
          // The search gave up on a path it could have taken (it skips nodes on its own stack):
          // send one unit along Dijkstra's shortest path, so every round makes progress.
          for (int v = sink; v != source; v = to[via[v] ^ 1]) {
            capacity[via[v]]--;
            capacity[via[v] ^ 1]++;
          }
        }
      }
    }

    /**
     * Sends flow along shortest paths (edges whose reduced cost is zero) until none is left: a
     * depth-first search that marks nodes with no way on as dead for the rest of the round (an
     * augmenting path only adds edges between nodes that reached the sink, so a dead node stays
     * dead) and keeps a current edge per node. Iterative, so deep alternating paths cannot overflow
     * the stack.
     *
     * @return units sent
     */
    private int augmentTight(
        int source,
        int sink,
        long[] potential,
        int[] state,
        int[] next,
        int[] stackNode,
        int[] stackEdge) {
      Arrays.fill(state, OPEN);
      Arrays.fill(next, 0);
      int sent = 0;
      while (true) {
        int top = 0;
        stackNode[0] = source;
        state[source] = ON_PATH;
        boolean reached = false;
        while (top >= 0) {
          int v = stackNode[top];
          if (v == sink) {
            reached = true;
            break;
          }
          boolean deeper = false;
          while (next[v] < out[v].length) {
            int e = out[v][next[v]];
            int w = to[e];
            if (state[w] == OPEN && tight(v, e, potential)) {
              stackEdge[top] = e;
              stackNode[++top] = w;
              state[w] = ON_PATH;
              deeper = true;
              break;
            }
            next[v]++;
          }
          if (!deeper) {
            state[v] = DEAD;
            if (--top >= 0) {
              next[stackNode[top]]++;
            }
          }
        }
        if (!reached) {
          return sent;
        }
        int push = Integer.MAX_VALUE;
        for (int i = 0; i < top; i++) {
          push = Math.min(push, capacity[stackEdge[i]]);
        }
        for (int i = 0; i < top; i++) {
          capacity[stackEdge[i]] -= push;
          capacity[stackEdge[i] ^ 1] += push;
        }
        for (int i = 0; i <= top; i++) {
          state[stackNode[i]] = OPEN;
        }
        sent += push;
      }
    }

    /** Shortest reduced-cost distances from the source; false when the sink is unreachable. */
    private boolean dijkstra(
        int source, int sinkNode, long[] potential, long[] distance, int[] via) {
      Arrays.fill(distance, INFINITE);
      distance[source] = 0;
      java.util.PriorityQueue<long[]> queue =
          new java.util.PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
      queue.add(new long[] {0, source});
      while (!queue.isEmpty()) {
        long[] top = queue.poll();
        int v = (int) top[1];
        if (top[0] > distance[v]) {
          continue;
        }
        for (int e : out[v]) {
          if (capacity[e] <= 0) {
            continue;
          }
          long d = distance[v] + cost[e] + potential[v] - potential[to[e]];
          if (d < distance[to[e]]) {
            distance[to[e]] = d;
            via[to[e]] = e;
            queue.add(new long[] {d, to[e]});
          }
        }
      }
      return distance[sinkNode] != INFINITE;
    }

    private boolean tight(int from, int e, long[] potential) {
      return capacity[e] > 0 && cost[e] + potential[from] - potential[to[e]] == 0;
    }
  }
}
