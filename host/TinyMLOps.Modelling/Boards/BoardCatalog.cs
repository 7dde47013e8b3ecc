using System.Text.Json;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Boards;

/// <summary>A board profile file that cannot be used, naming the file and the field at fault.</summary>
public sealed class BoardProfileException : Exception
{
    public BoardProfileException(string file, string field, string problem)
        : base($"{file}: field '{field}': {problem}")
    {
        File = file;
        Field = field;
    }

    /// <summary>The file name (without folder) of the profile.</summary>
    public string File { get; }

    /// <summary>The JSON field at fault, e.g. "appRamBytes" or "pins.statusLed".</summary>
    public string Field { get; }
}

/// <summary>
/// Every board profile in a folder (one boards/{id}.json per board), read with System.Text.Json and checked:
/// each field present with the right type, sizes and coefficients not negative, a platform nanoff knows, kernel
/// names this runtime has, a flash section nanoff can act on, a reason exactly when "deployable" is false, and no id twice.
/// </summary>
public sealed class BoardCatalog
{
    /// <summary>The platform families nanoff flashes (its --platform values).</summary>
    public static IReadOnlyList<string> KnownPlatforms { get; } = ["esp32", "stm32", "cc13x2", "efm32"];

    /// <summary>The names of every kernel this runtime has (OperatorFactory's operators).</summary>
    public static IReadOnlyList<string> RuntimeKernels { get; } = FindRuntimeKernels();

    private static readonly Lazy<BoardCatalog> DefaultCatalog = new(() =>
    {
        string directory = FindBoardsDirectory()
            ?? throw new DirectoryNotFoundException(
                $"no boards/ folder with *.json profiles above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}");
        return Load(directory);
    });

    private readonly Dictionary<string, BoardProfile> _byId;

    public BoardCatalog(IEnumerable<BoardProfile> boards)
    {
        All = boards.OrderBy(b => b.Id, StringComparer.Ordinal).ToList();
        _byId = new Dictionary<string, BoardProfile>(StringComparer.OrdinalIgnoreCase);
        foreach (BoardProfile b in All)
        {
            if (!_byId.TryAdd(b.Id, b))
            {
                throw new ArgumentException($"board id '{b.Id}' appears twice", nameof(boards));
            }
        }
    }

    /// <summary>The repository's boards (found by <see cref="FindBoardsDirectory"/>), loaded once.</summary>
    public static BoardCatalog Default => DefaultCatalog.Value;

    /// <summary>Every board, ordered by id.</summary>
    public IReadOnlyList<BoardProfile> All { get; }

    /// <summary>Every board, ordered by id (the same list as <see cref="All"/>).</summary>
    public IReadOnlyList<BoardProfile> Boards => All;

    /// <summary>The board with this id (case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">No such board; the message lists the known ids.</exception>
    public BoardProfile Get(string id) => TryGet(id, out BoardProfile? board)
        ? board
        : throw new KeyNotFoundException($"unknown board '{id}'; known boards: {string.Join(", ", All.Select(b => b.Id))}");

    public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BoardProfile? board) => _byId.TryGetValue(id, out board);

    /// <summary>Loads every *.json in <paramref name="directory"/>.</summary>
    /// <exception cref="BoardProfileException">A file is malformed or repeats another file's id.</exception>
    public static BoardCatalog Load(string directory)
    {
        var boards = new List<BoardProfile>();
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            string file = Path.GetFileName(path);
            BoardProfile board = Parse(File.ReadAllText(path), file);
            if (files.TryGetValue(board.Id, out string? first))
            {
                throw new BoardProfileException(file, "id", $"duplicate id '{board.Id}' (already used by {first})");
            }

            files[board.Id] = file;
            boards.Add(board);
        }

        return new BoardCatalog(boards);
    }

    /// <summary>
    /// The nearest folder named boards that holds *.json, walking up from <see cref="AppContext.BaseDirectory"/>
    /// (the build copies the profiles to bin/…/boards) and then from the current directory; null if none.
    /// </summary>
    public static string? FindBoardsDirectory() =>
        RepositoryFiles.FindDirectory("boards", candidate => Directory.EnumerateFiles(candidate, "*.json").Any());

    /// <summary>Reads and checks one profile; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="BoardProfileException">The JSON is malformed or a field is missing, mistyped or out of range.</exception>
    public static BoardProfile Parse(string json, string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new BoardProfileException(file, "(document)", $"not valid JSON: {e.Message}");
        }

        using (doc)
        {
            var r = new FieldReader(doc.RootElement, file, prefix: string.Empty);
            string id = r.String("id");
            if (!IsValidId(id))
            {
                throw new BoardProfileException(file, "id", $"'{id}' must be lower-case letters, digits and dashes");
            }

            string platform = r.String("platform");
            if (!KnownPlatforms.Contains(platform, StringComparer.Ordinal))
            {
                throw new BoardProfileException(file, "platform", $"unknown platform '{platform}' (known: {string.Join(", ", KnownPlatforms)})");
            }

            IReadOnlyList<string> kernels = r.StringList("kernels");
            foreach (string k in kernels)
            {
                if (!RuntimeKernels.Contains(k, StringComparer.Ordinal))
                {
                    throw new BoardProfileException(file, "kernels", $"unknown kernel '{k}' (the runtime has: {string.Join(", ", RuntimeKernels)})");
                }
            }

            FieldReader pins = r.Object("pins");
            var board = new BoardProfile(
                id,
                r.String("name"),
                r.String("nanoffTarget"),
                platform,
                (int)r.Positive("clockMhz"),
                r.Bool("hasFpu"),
                r.NonNegativeLong("appFlashBytes"),
                r.NonNegativeLong("appRamBytes"),
                kernels,
                new BoardPins(pins.Pin("statusLed"), pins.Pin("powerDetect"), pins.Pin("batteryAdc")),
                r.Positive("cyclesPerMacInterpreted"),
                r.Positive("cyclesPerMacNative"),
                r.NonNegative("cyclesPerOperatorOverhead"),
                r.Positive("activePowerMilliwatts"),
                r.String("coefficientSource"),
                r.Bool("coefficientsAreEstimates"))
            {
                Notes = r.String("notes", allowEmpty: true),
                Flash = ParseFlash(r.Object("flash"), file, platform),
                Deployable = r.OptionalBool("deployable") ?? true,
                NativeKernels = r.OptionalBool("nativeKernels") ?? false,
                NotDeployableReason = r.OptionalString("notDeployableReason"),
            };

            if (!board.Deployable && board.NotDeployableReason == null)
            {
                throw new BoardProfileException(file, "notDeployableReason", "a board with \"deployable\": false must say why the application cannot go onto it");
            }

            if (board.Deployable && board.NotDeployableReason != null)
            {
                throw new BoardProfileException(file, "notDeployableReason", "only a board with \"deployable\": false takes a reason (remove it, or set \"deployable\": false)");
            }

            // A coefficient derived from a measurement elsewhere (the interpreter factor on a host) is still an estimate for the board.
            if (board.CoefficientsAreEstimates
                && !board.CoefficientSource.StartsWith("estimate", StringComparison.OrdinalIgnoreCase)
                && !board.CoefficientSource.StartsWith("derived", StringComparison.OrdinalIgnoreCase))
            {
                throw new BoardProfileException(file, "coefficientSource", "estimated coefficients must say so: start the source with \"estimate:\" or \"derived:\"");
            }

            return board;
        }
    }

    /// <summary>
    /// The "flash" section: interface serial (ESP32 only: nanoff flashes ESP32 through the ROM bootloader's serial
    /// port), jtag or dfu (STM32); deploymentAddress "0x" + hex or null (STM32 needs one: nanoff --deploy writes a raw
    /// image there); configDrive "X:" or null (no file system).
    /// </summary>
    private static BoardFlash ParseFlash(FieldReader f, string file, string platform)
    {
        string name = f.String("interface");
        FlashInterface flashInterface = name switch
        {
            "serial" => FlashInterface.Serial,
            "jtag" => FlashInterface.Jtag,
            "dfu" => FlashInterface.Dfu,
            _ => throw new BoardProfileException(file, "flash.interface", $"unknown interface '{name}' (known: serial, jtag, dfu)"),
        };
        if (platform == "esp32" && flashInterface != FlashInterface.Serial)
        {
            throw new BoardProfileException(file, "flash.interface", $"an esp32 board is flashed over its serial port, not '{name}'");
        }

        string? address = f.OptionalString("deploymentAddress");
        if (address != null && !IsHexAddress(address))
        {
            throw new BoardProfileException(file, "flash.deploymentAddress", $"'{address}' must be a hexadecimal address such as 0x080C0000");
        }

        if (address == null && platform != "esp32")
        {
            throw new BoardProfileException(file, "flash.deploymentAddress", $"a {platform} board needs the address of its deployment region (only ESP32 firmware finds its deploy partition itself)");
        }

        string? drive = f.OptionalString("configDrive");
        if (drive != null && !(drive.Length == 2 && char.IsAsciiLetterUpper(drive[0]) && drive[1] == ':'))
        {
            throw new BoardProfileException(file, "flash.configDrive", $"'{drive}' must be a drive such as I: (or null for none)");
        }

        return new BoardFlash(flashInterface, address, drive, f.String("source", allowEmpty: true));
    }

    private static bool IsHexAddress(string s) =>
        s.Length is > 2 and <= 10 && s.StartsWith("0x", StringComparison.Ordinal) && s[2..].All(char.IsAsciiHexDigit);

    private static bool IsValidId(string id) =>
        id.Length > 0 && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && id[0] != '-' && id[^1] != '-';

    private static List<string> FindRuntimeKernels()
    {
        var names = new List<string>();
        for (int code = 0; code < 256; code++)
        {
            if (OperatorFactory.Create(code) is { } op)
            {
                names.Add(op.Name);
            }
        }

        return names;
    }

    /// <summary>Typed access to one JSON object's fields, with errors that name the file and the field path.</summary>
    private readonly struct FieldReader
    {
        private readonly JsonElement _obj;
        private readonly string _file;
        private readonly string _prefix;

        public FieldReader(JsonElement obj, string file, string prefix)
        {
            _file = file;
            _prefix = prefix;
            if (obj.ValueKind != JsonValueKind.Object)
            {
                throw new BoardProfileException(file, prefix.Length == 0 ? "(document)" : prefix.TrimEnd('.'), $"expected an object, found {obj.ValueKind}");
            }

            _obj = obj;
        }

        public string String(string name, bool allowEmpty = false)
        {
            JsonElement e = Get(name, JsonValueKind.String);
            string s = e.GetString()!;
            if (!allowEmpty && string.IsNullOrWhiteSpace(s))
            {
                throw Error(name, "must not be empty");
            }

            return s;
        }

        /// <summary>A string that may be absent or null.</summary>
        public string? OptionalString(string name)
        {
            if (!_obj.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            string? s = e.ValueKind == JsonValueKind.String ? e.GetString() : throw Error(name, $"expected String or null, found {e.ValueKind}");
            return string.IsNullOrWhiteSpace(s) ? throw Error(name, "must not be empty (use null for none)") : s;
        }

        public bool Bool(string name) => OptionalBool(name) ?? throw Error(name, "missing");

        /// <summary>true or false, or null when the field is absent.</summary>
        public bool? OptionalBool(string name)
        {
            if (!_obj.TryGetProperty(name, out JsonElement e))
            {
                return null;
            }

            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(name, $"expected true or false, found {e.ValueKind}"),
            };
        }

        public double Number(string name)
        {
            JsonElement e = Get(name, JsonValueKind.Number);
            double v = e.GetDouble();
            if (!double.IsFinite(v))
            {
                throw Error(name, "must be a finite number");
            }

            return v;
        }

        public double NonNegative(string name)
        {
            double v = Number(name);
            return v >= 0 ? v : throw Error(name, $"must not be negative (is {v})");
        }

        public double Positive(string name)
        {
            double v = Number(name);
            return v > 0 ? v : throw Error(name, $"must be positive (is {v})");
        }

        public long NonNegativeLong(string name)
        {
            JsonElement e = Get(name, JsonValueKind.Number);
            if (!e.TryGetInt64(out long v))
            {
                throw Error(name, $"must be a whole number of bytes (is {e.GetRawText()})");
            }

            return v >= 0 ? v : throw Error(name, $"must not be negative (is {v})");
        }

        /// <summary>A GPIO number, or -1 for none.</summary>
        public int Pin(string name)
        {
            JsonElement e = Get(name, JsonValueKind.Number);
            if (!e.TryGetInt32(out int v) || v < -1)
            {
                throw Error(name, $"must be a GPIO number or -1 for none (is {e.GetRawText()})");
            }

            return v;
        }

        public IReadOnlyList<string> StringList(string name)
        {
            JsonElement e = Get(name, JsonValueKind.Array);
            var list = new List<string>();
            foreach (JsonElement item in e.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                {
                    throw Error(name, $"every entry must be a non-empty string (found {item.GetRawText()})");
                }

                list.Add(item.GetString()!);
            }

            return list;
        }

        public FieldReader Object(string name) => new(Get(name, JsonValueKind.Object), _file, _prefix + name + ".");

        private JsonElement Get(string name, JsonValueKind kind)
        {
            if (!_obj.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
            {
                throw Error(name, "missing");
            }

            return e.ValueKind == kind ? e : throw Error(name, $"expected {kind}, found {e.ValueKind}");
        }

        private BoardProfileException Error(string name, string problem) => new(_file, _prefix + name, problem);
    }
}
