package org.grouptherapy.placement;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The assignment of waitlisted people to groups with open seats that maximises the total placement
 * score, exactly, as a minimum-cost flow: source → person (1) → group, or through the group's
 * acuity gate for a person with severe scores (the gate's capacity is how many more severe members
 * the group takes) → group → sink (open seats). Edge costs are minus the scores (integers in
 * thousandths). Successive shortest paths with Bellman-Ford queues (SPFA); augmenting stops when no
 * path has negative cost, so nobody is placed at a loss. People and groups are taken in the order
 * given, so the same input gives the same answer.
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
    graph.minCostFlow(0, 1);
    int[] assigned = new int[people];
    Arrays.fill(assigned, -1);
    for (int c = 0; c < candidates.size(); c++) {
      if (graph.flow(edgeOf[c]) > 0) {
        assigned[candidates.get(c).person()] = candidates.get(c).group();
      }
    }
    return assigned;
  }

  /** A residual graph in arrays: edge e and its reverse e^1. */
  private static final class Graph {
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

    void minCostFlow(int source, int sink) {
      index();
      long[] distance = new long[nodes];
      int[] via = new int[nodes];
      boolean[] queued = new boolean[nodes];
      while (true) {
        Arrays.fill(distance, Long.MAX_VALUE);
        Arrays.fill(via, -1);
        distance[source] = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(source);
        queued[source] = true;
        while (!queue.isEmpty()) {
          int v = queue.poll();
          queued[v] = false;
          for (int e : out[v]) {
            if (capacity[e] > 0 && distance[v] + cost[e] < distance[to[e]]) {
              distance[to[e]] = distance[v] + cost[e];
              via[to[e]] = e;
              if (!queued[to[e]]) {
                queued[to[e]] = true;
                queue.add(to[e]);
              }
            }
          }
        }
        if (distance[sink] == Long.MAX_VALUE || distance[sink] >= 0) {
          return;
        }
        int push = Integer.MAX_VALUE;
        for (int v = sink; v != source; v = to[via[v] ^ 1]) {
          push = Math.min(push, capacity[via[v]]);
        }
        for (int v = sink; v != source; v = to[via[v] ^ 1]) {
          capacity[via[v]] -= push;
          capacity[via[v] ^ 1] += push;
        }
      }
    }
  }
}
