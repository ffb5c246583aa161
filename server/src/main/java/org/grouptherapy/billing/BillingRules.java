package org.grouptherapy.billing;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.grouptherapy.system.AppProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * The payer billing rules file ({@code app.billing.rules}): codes, place of service, modifiers,
 * group-size and duration limits and fees, with defaults and per-payer overrides. Bound with
 * Jackson into {@link RulesFile} and checked with Bean Validation once at start-up: an unknown code
 * stops the server with a message naming the file, the payer and the code.
 */
@Component
public class BillingRules {

  /** The CPT codes a group practice bills for group sessions. */
  static final String CPT = "90853|90849|90785";

  /** HCPCS/CPT modifiers that apply to group psychotherapy. */
  static final String MODIFIERS = "95|GT|GQ|FQ|93|HQ|HO|HN|U4";

  /** CMS place-of-service codes a group session can take place in. */
  static final String PLACES = "02|03|10|11|12|22|49|52|53|57|71|72";

  /** X12 claim filing indicator codes (SBR09) of 005010X222A1. */
  static final String FILING_INDICATORS =
      "11|12|13|14|15|16|17|AM|BL|CH|CI|DS|FI|HM|LM|MA|MB|MC|OF|TV|VA|WC|ZZ";

  /** Where a member attends from; each needs a place of service. */
  static final List<String> SETTINGS = List.of("in-person", "telehealth-home", "telehealth-other");

  /** The file as written: defaults, and overrides by payer id. */
  @JsonIgnoreProperties({"_comment"})
  record RulesFile(@NotNull @Valid PayerRules defaults, Map<String, @Valid PayerRules> payers) {}

  /** One payer's entry (or the defaults): what it names overrides the defaults. */
  record PayerRules(
      String name,
      @Pattern(regexp = CPT, message = "groupCode '${validatedValue}' is not a known CPT code")
          String groupCode,
      @Pattern(
              regexp = CPT,
              message = "multiFamilyCode '${validatedValue}' is not a known CPT code")
          String multiFamilyCode,
      @Pattern(
              regexp = CPT,
              message = "interactiveComplexityCode '${validatedValue}' is not a known CPT code")
          String interactiveComplexityCode,
      Map<
              @Pattern(
                  regexp = "in-person|telehealth-home|telehealth-other",
                  message =
                      "unknown setting '${validatedValue}' (use in-person, telehealth-home or"
                          + " telehealth-other)")
              String,
              @Pattern(regexp = PLACES, message = "unknown place of service '${validatedValue}'")
              String>
          placeOfService,
      List<@Pattern(regexp = MODIFIERS, message = "unknown modifier '${validatedValue}'") String>
          telehealthModifiers,
      List<@Pattern(regexp = MODIFIERS, message = "unknown modifier '${validatedValue}'") String>
          groupModifiers,
      @Min(value = 1, message = "maxGroupSize must be at least 1") Integer maxGroupSize,
      @Min(value = 0, message = "minimumMinutes must be 0 or more") Integer minimumMinutes,
      @Pattern(
              regexp = "attended-minutes|session",
              message = "partialAttendance must be attended-minutes or session")
          String partialAttendance,
      @Pattern(
              regexp = FILING_INDICATORS,
              message =
                  "claimFilingIndicator '${validatedValue}' is not an X12 claim filing indicator"
                      + " code (SBR09: CI commercial, MC Medicaid, MB Medicare Part B, BL Blue"
                      + " Cross/Blue Shield, HM HMO, ...)")
          String claimFilingIndicator,
      Map<
              @Pattern(regexp = CPT, message = "fee for unknown CPT code '${validatedValue}'")
              String,
              @DecimalMin(value = "0", message = "a fee must be 0 or more") BigDecimal>
          fees) {}

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
      String partialAttendance,
      String claimFilingIndicator,
      Map<String, BigDecimal> fees) {

    /**
     * Whether {@code minimumMinutes} applies to each member's attended minutes (late arrival and
     * early leaving taken off; the default) or only to the session's length.
     */
    public boolean countsAttendedMinutes() {
      return !"session".equals(partialAttendance);
    }

    public BigDecimal fee(String code) {
      return fees.getOrDefault(code, BigDecimal.ZERO);
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final Payer defaults;
  private final Map<String, Payer> payers = new LinkedHashMap<>();

  @Autowired
  public BillingRules(AppProperties properties) {
    this(properties.billing().rules());
  }

  BillingRules(String location) {
    this(new DefaultResourceLoader().getResource(location));
  }

  BillingRules(Resource file) {
    String location = location(file);
    RulesFile rules = read(file, location);
    List<String> problems = new ArrayList<>();
    try (ValidatorFactory factory = Validation.buildDefaultValidatorFactory()) {
      Validator validator = factory.getValidator();
      for (ConstraintViolation<RulesFile> violation : validator.validate(rules)) {
        problems.add(where(violation.getPropertyPath().toString()) + ": " + violation.getMessage());
      }
    }
    if (rules.defaults() != null) {
      problems.addAll(complete(rules.defaults()));
    }
    if (!problems.isEmpty()) {
      problems.sort(null);
      throw new IllegalStateException(
          "Billing rules file " + location + " is not valid: " + String.join("; ", problems));
    }
    defaults = merge(null, "every payer", null, rules.defaults());
    Objects.requireNonNullElse(rules.payers(), Map.<String, PayerRules>of())
        .forEach(
            (id, entry) ->
                payers.put(
                    id, merge(id, entry.name() == null ? id : entry.name(), defaults, entry)));
  }

  /** Where the file is, as a person would write it in app.billing.rules. */
  private static String location(Resource file) {
    if (file instanceof ClassPathResource classpath) {
      return "classpath:" + classpath.getPath();
    }
    try {
      return file.getURL().toString();
    } catch (IOException e) {
      return file.getDescription();
    }
  }

  private static RulesFile read(Resource file, String location) {
    try (InputStream in = file.getInputStream()) {
      return JSON.readValue(in, RulesFile.class);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Billing rules file " + location + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** "payers[ACME1].groupCode" as "payer ACME1", "defaults.fees" as "defaults". */
  private static String where(String path) {
    if (path.startsWith("payers[")) {
      return "payer " + path.substring("payers[".length(), path.indexOf(']'));
    }
    return "defaults";
  }

  /** The defaults must name everything a payer may leave out. */
  private static List<String> complete(PayerRules defaults) {
    List<String> missing = new ArrayList<>();
    if (defaults.groupCode() == null) {
      missing.add("defaults: groupCode is required");
    }
    if (defaults.multiFamilyCode() == null) {
      missing.add("defaults: multiFamilyCode is required");
    }
    if (defaults.interactiveComplexityCode() == null) {
      missing.add("defaults: interactiveComplexityCode is required");
    }
    if (defaults.maxGroupSize() == null) {
      missing.add("defaults: maxGroupSize is required");
    }
    for (String setting : SETTINGS) {
      if (defaults.placeOfService() == null || !defaults.placeOfService().containsKey(setting)) {
        missing.add("defaults: no place of service for " + setting);
      }
    }
    return missing;
  }

  private static Payer merge(String id, String name, Payer base, PayerRules entry) {
    Map<String, String> places =
        new LinkedHashMap<>(base == null ? Map.of() : base.placeOfService());
    if (entry.placeOfService() != null) {
      places.putAll(entry.placeOfService());
    }
    Map<String, BigDecimal> fees = new LinkedHashMap<>(base == null ? Map.of() : base.fees());
    if (entry.fees() != null) {
      entry.fees().forEach((code, fee) -> fees.put(code, fee.setScale(2, RoundingMode.HALF_UP)));
    }
    return new Payer(
        id,
        name,
        or(entry.groupCode(), base == null ? null : base.groupCode()),
        or(entry.multiFamilyCode(), base == null ? null : base.multiFamilyCode()),
        or(
            entry.interactiveComplexityCode(),
            base == null ? null : base.interactiveComplexityCode()),
        Map.copyOf(places),
        List.copyOf(
            or(entry.telehealthModifiers(), base == null ? List.of() : base.telehealthModifiers())),
        List.copyOf(or(entry.groupModifiers(), base == null ? List.of() : base.groupModifiers())),
        or(entry.maxGroupSize(), base == null ? null : base.maxGroupSize()),
        or(entry.minimumMinutes(), base == null ? 0 : base.minimumMinutes()),
        or(entry.partialAttendance(), base == null ? "attended-minutes" : base.partialAttendance()),
        or(entry.claimFilingIndicator(), base == null ? "CI" : base.claimFilingIndicator()),
        Map.copyOf(fees));
  }

  private static <T> T or(T value, T inherited) {
    return value != null ? value : inherited;
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
        defaults.partialAttendance(),
        defaults.claimFilingIndicator(),
        defaults.fees());
  }
}
