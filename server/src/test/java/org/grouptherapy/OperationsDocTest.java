package org.grouptherapy;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.grouptherapy.fhir.ConformancePackage;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationDefinition.OperationDefinitionParameterComponent;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md is written from the OperationDefinitions in fhir-profiles/ and the permits the
 * features declare, so it cannot drift from them: this test fails when the file differs. After
 * changing an operation, rewrite it with {@code ./mvnw -pl server test -Dtest=OperationsDocTest
 * -Ddocs.update=true}. It also checks that every operation has a permit and every permit an
 * OperationDefinition.
 */
class OperationsDocTest {

  private static final Path DOC = Path.of("../docs/operations.md");

  @Test
  void theOperationsReferenceIsWrittenFromTheDefinitionsAndPermits() throws Exception {
    List<OperationDefinition> definitions =
        ConformancePackage.load(FhirContext.forR4Cached()).operationDefinitions().stream()
            .sorted(Comparator.comparing(OperationDefinition::getCode))
            .toList();
    List<OperationPermit> permits = permits();
    Set<String> defined =
        definitions.stream().map(d -> "$" + d.getCode()).collect(Collectors.toSet());
    Set<String> permitted =
        permits.stream().map(OperationPermit::operation).collect(Collectors.toSet());
    assertThat(permitted)
        .as("every permitted operation has an OperationDefinition")
        .isSubsetOf(defined);
    assertThat(defined).as("every OperationDefinition has a permit").isSubsetOf(permitted);

    String written = render(definitions, permits);
    if (Boolean.getBoolean("docs.update")) {
      Files.writeString(DOC, written, StandardCharsets.UTF_8);
    }
    assertThat(Files.exists(DOC) ? Files.readString(DOC, StandardCharsets.UTF_8) : "")
        .as("docs/operations.md is out of date: run with -Ddocs.update=true")
        .isEqualTo(written);
  }

  /** Each feature's permits; their bindings are made without their services (permits need none). */
  private static List<OperationPermit> permits() throws Exception {
    List<OperationPermit> permits = new ArrayList<>();
    for (JavaClass type :
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.grouptherapy")) {
      if (type.isAssignableTo(OperationAccess.class) && !type.isInterface()) {
        Constructor<?> constructor = type.reflect().getDeclaredConstructors()[0];
        constructor.setAccessible(true);
        Object[] none = new Object[constructor.getParameterCount()];
        permits.addAll(((OperationAccess) constructor.newInstance(none)).permits());
      }
    }
    return permits;
  }

  private static String render(
      List<OperationDefinition> definitions, List<OperationPermit> permits) {
    StringBuilder md = new StringBuilder();
    md.append("# Operations\n\n")
        .append("The server's own operations, from their OperationDefinitions in `fhir-profiles/`")
        .append(" (served at `/fhir/OperationDefinition/<id>`) and the permits each feature")
        .append(" declares beside its bindings. Written by `OperationsDocTest`; do not edit by")
        .append(" hand.\n\n")
        .append("Dates are local dates in the practice's time zone (a group's own zone for its")
        .append(" sessions): `2026-11-05` is that day, `2026-11` a month, `2026` a year; a period")
        .append(" runs from the start of its first day to the end of its last. Bad input answers")
        .append(" 400 (malformed) or 422 (not acceptable) with the parameter named in")
        .append(" `OperationOutcome.issue.expression`.\n\n");
    md.append("| operation | on | who may call it |\n|---|---|---|\n");
    for (OperationDefinition d : definitions) {
      md.append("| [`$")
          .append(d.getCode())
          .append("`](#")
          .append(d.getCode())
          .append(") | ")
          .append(levels(d))
          .append(" | ")
          .append(String.join("; ", needs(d, permits)))
          .append(" |\n");
    }
    for (OperationDefinition d : definitions) {
      md.append("\n## ").append(d.getCode()).append("\n\n");
      md.append("**").append(d.getTitle()).append("** · ").append(levels(d));
      md.append(d.getAffectsState() ? " · POST" : " · GET or POST").append("\n\n");
      md.append(d.getDescription()).append("\n\n");
      if (d.hasComment()) {
        md.append(d.getComment()).append("\n\n");
      }
      md.append("Who may call it: ").append(String.join("; ", needs(d, permits))).append(".\n\n");
      table(md, "In", d, OperationDefinition.OperationParameterUse.IN);
      table(md, "Out", d, OperationDefinition.OperationParameterUse.OUT);
    }
    return md.toString();
  }

  private static String levels(OperationDefinition d) {
    List<String> on = new ArrayList<>();
    String types =
        d.getResource().stream().map(t -> t.getValue()).collect(Collectors.joining(", "));
    if (d.getSystem()) {
      on.add("server");
    }
    if (d.getType()) {
      on.add(types);
    }
    if (d.getInstance()) {
      on.add(
          d.getResource().stream()
              .map(t -> t.getValue() + "/[id]")
              .collect(Collectors.joining(", ")));
    }
    return String.join(", ", on);
  }

  private static Set<String> needs(OperationDefinition d, List<OperationPermit> permits) {
    Set<String> needs = new TreeSet<>();
    permits.stream()
        .filter(p -> p.operation().equals("$" + d.getCode()))
        .forEach(p -> needs.add(p.needs()));
    return needs;
  }

  private static void table(
      StringBuilder md,
      String title,
      OperationDefinition d,
      OperationDefinition.OperationParameterUse use) {
    List<OperationDefinitionParameterComponent> parameters =
        d.getParameter().stream().filter(p -> p.getUse() == use).toList();
    if (parameters.isEmpty()) {
      return;
    }
    md.append(title).append(":\n\n| name | card. | type | meaning |\n|---|---|---|---|\n");
    for (OperationDefinitionParameterComponent p : parameters) {
      md.append("| `")
          .append(p.getName())
          .append("` | ")
          .append(p.getMin())
          .append("..")
          .append(p.getMax())
          .append(" | ")
          .append(p.hasType() ? p.getType() : p.hasPart() ? "(parts)" : "")
          .append(" | ")
          .append(
              p.getDocumentation() == null
                  ? ""
                  : p.getDocumentation().replace("|", "\\|").replace("\n", " "))
          .append(" |\n");
      for (OperationDefinitionParameterComponent part : p.getPart()) {
        md.append("| `")
            .append(p.getName())
            .append('.')
            .append(part.getName())
            .append("` | ")
            .append(part.getMin())
            .append("..")
            .append(part.getMax())
            .append(" | ")
            .append(part.hasType() ? part.getType() : "")
            .append(" | ")
            .append(
                part.getDocumentation() == null
                    ? ""
                    : part.getDocumentation().replace("|", "\\|").replace("\n", " "))
            .append(" |\n");
      }
    }
    md.append('\n');
  }
}
