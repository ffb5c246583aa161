package org.grouptherapy.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.system.AppProperties;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The payer billing rules file: codes, place of service, modifiers, group-size and duration limits
 * and fees, with defaults and per-payer overrides. Read and checked once at start-up: an unknown
 * code stops the server with a message naming the file, the payer and the code.
 */
@Component
public class BillingRules {

  /** The CPT codes a group practice bills for group sessions. */
  static final Set<String> CPT = Set.of("90853", "90849", "90785");

  /** HCPCS/CPT modifiers that apply to group psychotherapy. */
  static final Set<String> MODIFIERS = Set.of("95", "GT", "GQ", "FQ", "93", "HQ", "HO", "HN", "U4");

  /** CMS place-of-service codes a group session can take place in. */
  static final Set<String> PLACES =
      Set.of("02", "03", "10", "11", "12", "22", "49", "52", "53", "57", "71", "72");

  static final List<String> SETTINGS = List.of("in-person", "telehealth-home", "telehealth-other");

  /** What applies to one payer, defaults filled in. */
  public record Payer(
      String id,
      String name,
      String groupCode,
      String multiFamilyCode,
      String interactiveComplexityCode,
      Map<String, String> placeOfService,
      List<String> telehealthModifiers,
      List<String> groupModifiers,
      int maxGroupSize,
      int minimumMinutes,
      Map<String, BigDecimal> fees) {

    public BigDecimal fee(String code) {
      return fees.getOrDefault(code, BigDecimal.ZERO);
    }
  }

  private final Payer defaults;
  private final Map<String, Payer> payers = new LinkedHashMap<>();

  @org.springframework.beans.factory.annotation.Autowired
  public BillingRules(AppProperties properties) {
    this(properties.billing().rules());
  }

  BillingRules(String location) {
    JsonNode root;
    try (InputStream in = new DefaultResourceLoader().getResource(location).getInputStream()) {
      root = new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Billing rules file " + location + " cannot be read: " + e.getMessage(), e);
    }
    List<String> problems = new ArrayList<>();
    defaults = payer(null, "every payer", root.path("defaults"), null, location, problems);
    root.path("payers")
        .fields()
        .forEachRemaining(
            e ->
                payers.put(
                    e.getKey(),
                    payer(
                        e.getKey(),
                        e.getValue().path("name").asText(e.getKey()),
                        e.getValue(),
                        defaults,
                        location,
                        problems)));
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "Billing rules file " + location + " is not valid: " + String.join("; ", problems));
    }
  }

  /** The rules of a payer (by payer id), or the defaults for a payer the file does not name. */
  public Payer forPayer(String payerId) {
    Payer payer = payerId == null ? null : payers.get(payerId);
    if (payer != null) {
      return payer;
    }
    return new Payer(
        payerId,
        payerId == null ? "no payer" : payerId,
        defaults.groupCode(),
        defaults.multiFamilyCode(),
        defaults.interactiveComplexityCode(),
        defaults.placeOfService(),
        defaults.telehealthModifiers(),
        defaults.groupModifiers(),
        defaults.maxGroupSize(),
        defaults.minimumMinutes(),
        defaults.fees());
  }

  private static Payer payer(
      String id, String name, JsonNode node, Payer base, String location, List<String> problems) {
    String where = base == null ? "defaults" : "payer " + id;
    String group = code(node, "groupCode", base == null ? null : base.groupCode(), where, problems);
    String family =
        code(
            node, "multiFamilyCode", base == null ? null : base.multiFamilyCode(), where, problems);
    String complexity =
        code(
            node,
            "interactiveComplexityCode",
            base == null ? null : base.interactiveComplexityCode(),
            where,
            problems);
    Map<String, String> places =
        new LinkedHashMap<>(base == null ? Map.of() : base.placeOfService());
    node.path("placeOfService")
        .fields()
        .forEachRemaining(
            e -> {
              if (!SETTINGS.contains(e.getKey())) {
                problems.add(
                    where + ": unknown setting '" + e.getKey() + "' (use one of " + SETTINGS + ")");
              } else if (!PLACES.contains(e.getValue().asText())) {
                problems.add(where + ": unknown place of service '" + e.getValue().asText() + "'");
              }
              places.put(e.getKey(), e.getValue().asText());
            });
    for (String setting : SETTINGS) {
      if (!places.containsKey(setting)) {
        problems.add(where + ": no place of service for " + setting);
      }
    }
    List<String> telehealth =
        modifiers(
            node,
            "telehealthModifiers",
            base == null ? null : base.telehealthModifiers(),
            where,
            problems);
    List<String> groupModifiers =
        modifiers(
            node, "groupModifiers", base == null ? null : base.groupModifiers(), where, problems);
    int maxSize =
        node.has("maxGroupSize")
            ? node.path("maxGroupSize").asInt()
            : base == null ? 0 : base.maxGroupSize();
    int minutes =
        node.has("minimumMinutes")
            ? node.path("minimumMinutes").asInt()
            : base == null ? 0 : base.minimumMinutes();
    if (maxSize < 1) {
      problems.add(where + ": maxGroupSize must be at least 1");
    }
    Map<String, BigDecimal> fees = new LinkedHashMap<>(base == null ? Map.of() : base.fees());
    node.path("fees")
        .fields()
        .forEachRemaining(
            e -> {
              if (!CPT.contains(e.getKey())) {
                problems.add(where + ": fee for unknown CPT code '" + e.getKey() + "'");
              }
              fees.put(e.getKey(), e.getValue().decimalValue().setScale(2));
            });
    return new Payer(
        id,
        name,
        group,
        family,
        complexity,
        Map.copyOf(places),
        telehealth,
        groupModifiers,
        maxSize,
        minutes,
        Map.copyOf(fees));
  }

  private static String code(
      JsonNode node, String field, String inherited, String where, List<String> problems) {
    String value = node.has(field) ? node.path(field).asText() : inherited;
    if (value == null || !CPT.contains(value)) {
      problems.add(where + ": " + field + " '" + value + "' is not a known CPT code " + CPT);
    }
    return value;
  }

  private static List<String> modifiers(
      JsonNode node, String field, List<String> inherited, String where, List<String> problems) {
    if (!node.has(field)) {
      return inherited == null ? List.of() : inherited;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode m : node.path(field)) {
      if (!MODIFIERS.contains(m.asText())) {
        problems.add(where + ": unknown modifier '" + m.asText() + "' in " + field);
      }
      out.add(m.asText());
    }
    return List.copyOf(out);
  }
}
