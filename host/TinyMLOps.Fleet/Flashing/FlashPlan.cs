using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Fleet.Flashing;

/// <summary>
/// nanoff's two command-line forms. Sources: nanoframework/nanoFirmwareFlasher, nanoFirmwareFlasher.Tool/Options.cs
/// (classic: --update, --deploy, --image, --address, --serialport, --target, --jtag, --dfu, --reset, --filedeployment)
/// and nanoFirmwareFlasher.Tool/Verbs/*Options.cs with README.md "Usage" (verbs: `flash`, `deploy` with the same
/// keywords, `deploy --file` for file deployment; one verb per command).
/// </summary>
public enum NanoffSyntax
{
    /// <summary>nanoff 2.x: every operation is a --switch of one command line.</summary>
    Classic,

    /// <summary>nanoff with verbs (`nanoff flash ...`, `nanoff deploy ...`).</summary>
    Verbs,
}

public enum FlashStepKind
{
    /// <summary>`dotnet tool install -g nanoff`, when nanoff is not installed.</summary>
    InstallNanoff,

    /// <summary>nanoCLR (nanoBooter and CLR) for the board's target.</summary>
    UpdateFirmware,

    /// <summary>The application image into the deployment region.</summary>
    DeployApplication,

    /// <summary>The configuration files onto the device's drive.</summary>
    DeployConfiguration,
}

/// <summary>One command of a flash: the program, its arguments and what it does.</summary>
public sealed record FlashStep(FlashStepKind Kind, string Program, IReadOnlyList<string> Arguments, string Description)
{
    /// <summary>The command as one line that pastes into PowerShell, cmd or bash.</summary>
    public string CommandLine => string.Join(' ', new[] { Program }.Concat(Arguments).Select(Quote));

    /// <summary>Double-quotes an argument with spaces or shell characters in it.</summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        bool plain = argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_.:/\\=+,@%".Contains(c));
        return plain ? argument : "\"" + argument.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}

/// <summary>A file that goes onto the device's drive: where it comes from and where it lands.</summary>
public sealed record DeviceFile(string SourcePath, string DestinationPath);

/// <summary>What <see cref="FlashPlan.Create"/> needs.</summary>
/// <param name="Board">The board profile (target, interface, deployment address, configuration drive).</param>
/// <param name="Port">Serial port of the device: nanoff flashes ESP32 through it; on STM32 it is the port nanoCLR talks on (ST-LINK virtual COM port), used for the file deployment.</param>
/// <param name="DeviceId">The provisioned device.</param>
/// <param name="DeviceDirectory">The device's provisioning folder (provision --out DIR, then DIR/DEVICE-ID): tinymlops.cfg, ca.pem; the image and the file-deployment JSON are written there too.</param>
/// <param name="AppDirectory">The app's build output, with the .pe files.</param>
public sealed record FlashRequest(BoardProfile Board, string Port, string DeviceId, string DeviceDirectory, string AppDirectory)
{
    public NanoffSyntax Syntax { get; init; } = NanoffSyntax.Classic;

    /// <summary>How to call nanoff in the printed commands: "nanoff" when it is on PATH, or a path.</summary>
    public string Nanoff { get; init; } = "nanoff";

    /// <summary>Whether nanoff has to be installed first.</summary>
    public bool InstallNanoff { get; init; }
}

/// <summary>
/// The ordered commands that flash one board: install nanoff when it is missing, flash nanoCLR for the board's
/// target, deploy the application image (built by <see cref="DeploymentImage"/> between those two), and deploy the
/// device's configuration to its drive with nanoff's file deployment.
/// </summary>
public sealed class FlashPlan
{
    /// <summary>
    /// The files deployed from the device's folder, in this order: the configuration (required), the broker's CA
    /// (when provisioned with TLS), the samples the "samples" sensor replays and their labels for on-device learning
    /// (each when the user put them there).
    /// </summary>
    public static readonly IReadOnlyList<string> ConfigurationFiles =
        [ProvisionedConfig.FileName, ProvisionedConfig.CaFileName, ProvisionedConfig.SamplesFileName, ProvisionedConfig.LabelsFileName];

    public const string ImageFileName = "deployment.bin";

    public const string FileDeploymentFileName = "filedeployment.json";

    private FlashPlan(FlashRequest request, IReadOnlyList<FlashStep> steps, IReadOnlyList<DeviceFile> files, IReadOnlyList<string> notes)
    {
        Request = request;
        Steps = steps;
        Files = files;
        Notes = notes;
    }

    public FlashRequest Request { get; }

    public BoardProfile Board => Request.Board;

    /// <summary>Every command, in order.</summary>
    public IReadOnlyList<FlashStep> Steps { get; }

    /// <summary>The files that the configuration step writes to the device (empty when the board has no drive).</summary>
    public IReadOnlyList<DeviceFile> Files { get; }

    /// <summary>What the user should know: steps skipped and why.</summary>
    public IReadOnlyList<string> Notes { get; }

    public string ImagePath => Path.Combine(Request.DeviceDirectory, ImageFileName);

    public string FileDeploymentPath => Path.Combine(Request.DeviceDirectory, FileDeploymentFileName);

    public string ConfigurationPath => Path.Combine(Request.DeviceDirectory, ConfigurationFiles[0]);

    /// <summary>Plans the flash. Reads nothing but whether the optional configuration files exist.</summary>
    /// <exception cref="InvalidOperationException">The board is not <see cref="BoardProfile.Deployable"/>; the message gives the profile's reason.</exception>
    public static FlashPlan Create(FlashRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Port);
        if (request.Board.NotDeployable is { } refused)
        {
            throw new InvalidOperationException($"cannot flash: {refused}");
        }

        var deviceDirectory = Path.GetFullPath(request.DeviceDirectory);
        request = request with { DeviceDirectory = deviceDirectory, AppDirectory = Path.GetFullPath(request.AppDirectory) };
        BoardProfile board = request.Board;
        var steps = new List<FlashStep>();
        var notes = new List<string>();
        if (request.InstallNanoff)
        {
            steps.Add(new FlashStep(FlashStepKind.InstallNanoff, "dotnet", ["tool", "install", "-g", "nanoff"], "install nanoff, the nanoFramework firmware flasher (not found on PATH)"));
        }

        string image = Path.Combine(deviceDirectory, ImageFileName);
        steps.Add(new FlashStep(FlashStepKind.UpdateFirmware, request.Nanoff, UpdateArguments(request), $"flash nanoCLR for {board.NanoffTarget} over {Over(request)}"));
        steps.Add(new FlashStep(
            FlashStepKind.DeployApplication,
            request.Nanoff,
            DeployArguments(request, image),
            $"deploy the application image to {(board.Flash.DeploymentAddress is { } a ? a : "the deploy partition")}"));

        var files = new List<DeviceFile>();
        if (board.Flash.ConfigDrive is { } drive)
        {
            for (int i = 0; i < ConfigurationFiles.Count; i++)
            {
                string source = Path.Combine(deviceDirectory, ConfigurationFiles[i]);
                if (i == 0 || File.Exists(source))
                {
                    files.Add(new DeviceFile(source, drive + "\\" + ConfigurationFiles[i]));
                }
            }

            string json = Path.Combine(deviceDirectory, FileDeploymentFileName);
            steps.Add(new FlashStep(
                FlashStepKind.DeployConfiguration,
                request.Nanoff,
                FileDeploymentArguments(request, json),
                $"write {string.Join(" and ", files.Select(f => f.DestinationPath))} over {request.Port}"));
        }
        else
        {
            notes.Add($"{board.Id} has no file system in nanoFramework's build for {board.NanoffTarget}, so the configuration is not deployed; the app reports the missing configuration on its debug output.");
        }

        return new FlashPlan(request, steps, files, notes);
    }

    /// <summary>
    /// nanoff's file-deployment settings (nanoFirmwareFlasher FileDeployment/FileDeploymentConfiguration.cs and
    /// DeploymentFile.cs): the serial port of the running nanoCLR and the files, each with DestinationFilePath on
    /// the device and SourceFilePath on this machine.
    /// </summary>
    public string FileDeploymentJson()
    {
        var files = new JsonArray();
        foreach (DeviceFile f in Files)
        {
            files.Add(new JsonObject { ["DestinationFilePath"] = f.DestinationPath, ["SourceFilePath"] = f.SourcePath });
        }

        var root = new JsonObject { ["SerialPort"] = Request.Port, ["Files"] = files };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The plan as copy-pasteable lines: comments (#) for what is not a command, then each command.</summary>
    public string Describe(IReadOnlyList<string>? imageParts = null)
    {
        var text = new StringBuilder();
        int n = 0;
        foreach (FlashStep step in Steps)
        {
            if (step.Kind == FlashStepKind.DeployApplication)
            {
                text.Append("# ").Append(++n).Append(". build the deployment image ").AppendLine(ImagePath);
                if (imageParts != null)
                {
                    text.Append("#    from ").AppendLine(string.Join(", ", imageParts.Select(Path.GetFileName)));
                }
            }

            if (step.Kind == FlashStepKind.DeployConfiguration)
            {
                text.Append("# ").Append(++n).Append(". write ").Append(FileDeploymentPath).AppendLine(":");
                foreach (string line in FileDeploymentJson().TrimEnd().Split('\n'))
                {
                    text.Append("#    ").AppendLine(line);
                }
            }

            text.Append("# ").Append(++n).Append(". ").AppendLine(step.Description);
            text.AppendLine(step.CommandLine);
        }

        foreach (string note in Notes)
        {
            text.Append("# note: ").AppendLine(note);
        }

        return text.ToString();
    }

    private static string Over(FlashRequest r) => r.Board.Flash.Interface == FlashInterface.Serial ? r.Port : r.Board.Flash.InterfaceName.ToUpperInvariant();

    private static List<string> UpdateArguments(FlashRequest r)
    {
        var args = r.Syntax == NanoffSyntax.Classic ? new List<string> { "--update" } : ["flash"];
        args.AddRange(["--target", r.Board.NanoffTarget]);
        args.AddRange(Connection(r));
        return args;
    }

    private static List<string> DeployArguments(FlashRequest r, string image)
    {
        BoardFlash flash = r.Board.Flash;
        var args = r.Syntax == NanoffSyntax.Classic ? new List<string> { "--deploy" } : ["deploy"];
        args.AddRange(["--target", r.Board.NanoffTarget]);

        // verbs: `deploy` has no interface keyword (nanoff picks the probe); classic takes --jtag/--dfu as for --update
        args.AddRange(r.Syntax == NanoffSyntax.Classic || flash.Interface == FlashInterface.Serial ? Connection(r) : []);
        args.AddRange(["--image", image]);
        if (flash.DeploymentAddress is { } address)
        {
            args.AddRange(["--address", address]);
        }

        if (r.Syntax == NanoffSyntax.Classic && flash.Interface != FlashInterface.Serial)
        {
            // start the new application right away (ESP32 resets after every esptool write anyway)
            args.Add("--reset");
        }

        return args;
    }

    private static List<string> FileDeploymentArguments(FlashRequest r, string json) => r.Syntax == NanoffSyntax.Classic
        // the port is in the JSON: classic nanoff would take a bare --serialport as an ESP32 bootloader operation
        ? ["--filedeployment", json]
        : ["deploy", "--file", json, "--serialport", r.Port];

    private static List<string> Connection(FlashRequest r) => r.Board.Flash.Interface switch
    {
        FlashInterface.Serial => ["--serialport", r.Port],
        FlashInterface.Jtag => ["--jtag"],
        FlashInterface.Dfu => ["--dfu"],
        _ => throw new ArgumentOutOfRangeException(nameof(r), r.Board.Flash.Interface, "unknown flash interface"),
    };
}
