using System.Globalization;
using System.Text;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// A CSV table: a header row naming the columns, then one sample per row. The label column
/// (<see cref="DataSetOptions.LabelColumn"/>, default "label", matched ignoring case) gives the class: integers are
/// class numbers, other text is class names numbered in sorted order, non-integer numbers are float targets; every
/// other column is a feature, in file order, and their count must be the model's H·W·C. A row with another number of
/// cells, a cell that is not a number or an empty label is skipped with file:line and the reason. Comma-separated;
/// semicolons or tabs when the header has no comma; double quotes around a cell are removed.
/// </summary>
public static class CsvTableLoader
{
    public const string Format = "CSV table";

    public static DataSet Load(string path, DataSetOptions options) => Load([path], path, options);

    /// <summary>Several tables with the same columns read as one (a folder of CSV files).</summary>
    public static DataSet Load(IReadOnlyList<string> files, string source, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<float[]>();
        var labelText = new List<string>();
        var skipped = new List<SkippedFile>();
        bool? labelled = null;
        foreach (string file in files)
        {
            ReadFile(file, options, rows, labelText, skipped, ref labelled);
        }

        if (rows.Count == 0)
        {
            throw new DataSetException(skipped.Count == 0 ? $"{source}: no data rows" : $"{source}: none of the {skipped.Count} rows could be read; the first: {skipped[0]}");
        }

        if (labelled != true)
        {
            return new DataSet(source, Format, options.Height, options.Width, options.Channels, rows, null, null, [], skipped);
        }

        var (labels, targets, names) = Labels(labelText);
        return new DataSet(source, Format, options.Height, options.Width, options.Channels, rows, labels, targets, names, skipped);
    }

    /// <summary>Splits one CSV line into cells, removing double quotes ("" inside quotes is one quote).</summary>
    public static List<string> Split(string line, char delimiter)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == delimiter)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }

        cells.Add(cell.ToString().Trim());
        return cells;
    }

    /// <summary>The delimiter a header line uses: comma, else semicolon, else tab.</summary>
    public static char Delimiter(string header) => header.Contains(',') ? ',' : header.Contains(';') ? ';' : header.Contains('\t') ? '\t' : ',';

    public static bool TryNumber(string cell, out float value) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

    private static void ReadFile(string file, DataSetOptions options, List<float[]> rows, List<string> labelText, List<SkippedFile> skipped, ref bool? labelled)
    {
        using var reader = new StreamReader(file);
        string? header = reader.ReadLine();
        int line = 1;
        while (header != null && header.Trim().Length == 0)
        {
            header = reader.ReadLine();
            line++;
        }

        if (header == null)
        {
            throw new DataSetException($"{file}: empty file, expected a header row naming the columns");
        }

        char delimiter = Delimiter(header);
        List<string> columns = Split(header.TrimStart('\uFEFF'), delimiter);
        if (columns.All(c => TryNumber(c, out _)))
        {
            throw new DataSetException($"{file}: the first row is all numbers; a CSV table needs a header row naming the columns (the label column '{options.LabelColumn}')");
        }

        int labelAt = columns.FindIndex(c => c.Equals(options.LabelColumn, StringComparison.OrdinalIgnoreCase));
        if (labelAt < 0 && options.LabelColumnRequired)
        {
            throw new DataSetException($"{file}: no column named '{options.LabelColumn}' (columns: {string.Join(", ", columns)}); name the label column with --label-column");
        }

        bool hasLabel = labelAt >= 0;
        if (labelled != null && labelled != hasLabel)
        {
            throw new DataSetException($"{file}: {(hasLabel ? "has" : "lacks")} the label column '{options.LabelColumn}' that the other files {(hasLabel ? "lack" : "have")}");
        }

        labelled = hasLabel;
        int features = columns.Count - (hasLabel ? 1 : 0);
        if (features != options.Elements)
        {
            throw new DataSetException($"{file}: {features} feature columns{(hasLabel ? $" besides '{columns[labelAt]}'" : $" (no column named '{options.LabelColumn}')")}, the model takes {options.Elements}{(hasLabel || features != options.Elements + 1 ? "" : "; name the label column with --label-column")}");
        }

        string? text;
        while ((text = reader.ReadLine()) != null)
        {
            line++;
            if (text.Trim().Length == 0)
            {
                continue;
            }

            List<string> cells = Split(text, delimiter);
            if (cells.Count != columns.Count)
            {
                skipped.Add(new SkippedFile(file, $"{cells.Count} cells, the header has {columns.Count}", line));
                continue;
            }

            var x = new float[features];
            string? problem = null;
            for (int c = 0, f = 0; c < cells.Count && problem == null; c++)
            {
                if (c == labelAt)
                {
                    problem = cells[c].Length == 0 ? "missing label" : null;
                }
                else if (!TryNumber(cells[c], out x[f++]))
                {
                    problem = cells[c].Length == 0 ? $"column '{columns[c]}' is empty" : $"column '{columns[c]}' is '{cells[c]}', not a number";
                }
            }

            if (problem != null)
            {
                skipped.Add(new SkippedFile(file, problem, line));
                continue;
            }

            rows.Add(x);
            if (hasLabel)
            {
                labelText.Add(cells[labelAt]);
            }
        }
    }

    /// <summary>Integers as class numbers (names "0".."max"), other numbers as targets, text as sorted class names.</summary>
    internal static (int[]? Labels, float[]? Targets, IReadOnlyList<string> Names) Labels(IReadOnlyList<string> text)
    {
        if (text.All(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0))
        {
            int[] labels = [.. text.Select(t => int.Parse(t, CultureInfo.InvariantCulture))];
            return (labels, null, [.. Enumerable.Range(0, labels.Max() + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))]);
        }

        if (text.All(t => TryNumber(t, out _)))
        {
            return (null, [.. text.Select(t => float.Parse(t, CultureInfo.InvariantCulture))], []);
        }

        string[] names = [.. text.Distinct().Order(StringComparer.Ordinal)];
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        return ([.. text.Select(t => index[t])], null, names);
    }
}
