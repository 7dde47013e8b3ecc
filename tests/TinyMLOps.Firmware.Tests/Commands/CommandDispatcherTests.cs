using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Commands;

public class CommandDispatcherTests
{
    [Fact]
    public void Runs_the_handler_registered_under_the_commands_name()
    {
        var handler = new CountingHandler();
        var dispatcher = new CommandDispatcher(new MemoryStorage(), "commands.dat", 8);
        dispatcher.Register("blink", handler);

        var result = dispatcher.Dispatch(Command(7, "blink"));

        Assert.Equal((7u, CommandResultPayload.Ok, "ran 1"), (result.CommandId, result.Status, result.Detail));
        Assert.Equal(1, handler.Runs);
    }

    [Fact]
    public void Unknown_names_and_throwing_handlers_give_their_statuses()
    {
        var dispatcher = new CommandDispatcher(new MemoryStorage(), "commands.dat", 8);
        dispatcher.Register("boom", new ThrowingHandler(new string('x', 400)));

        Assert.Equal(CommandResultPayload.UnknownCommand, dispatcher.Dispatch(Command(1, "nope")).Status);
        var failed = dispatcher.Dispatch(Command(2, "boom"));
        Assert.Equal(CommandResultPayload.Failed, failed.Status);
        Assert.Equal(255, failed.Detail.Length);
        Assert.Equal(failed.Detail, CommandResultPayload.Decode(failed.Encode()).Detail);
    }

    [Fact]
    public void A_redelivered_command_is_answered_from_the_stored_result_even_after_a_reboot()
    {
        var storage = new MemoryStorage();
        var handler = new CountingHandler();
        var dispatcher = new CommandDispatcher(storage, "commands.dat", 4);
        dispatcher.Register("blink", handler);
        dispatcher.Dispatch(Command(10, "blink"));

        Assert.Equal("ran 1", dispatcher.Dispatch(Command(10, "blink")).Detail);
        var rebooted = new CommandDispatcher(storage, "commands.dat", 4);
        rebooted.Register("blink", handler);
        Assert.Equal("ran 1", rebooted.Dispatch(Command(10, "blink")).Detail);
        Assert.Equal(1, handler.Runs);
        Assert.Equal(1, rebooted.Duplicates);

        // Only the last N ids are remembered.
        for (uint id = 11; id < 16; id++)
        {
            rebooted.Dispatch(Command(id, "blink"));
        }

        rebooted.Dispatch(Command(10, "blink"));
        Assert.Equal(7, handler.Runs);
    }

    [Fact]
    public void A_command_cut_short_by_a_power_loss_is_never_run_again()
    {
        var storage = new MemoryStorage();
        var dispatcher = new CommandDispatcher(storage, "commands.dat", 4);
        var handler = new PowerCutHandler(storage);
        dispatcher.Register("flash", handler);

        Assert.Throws<PowerLossException>(() => dispatcher.Dispatch(Command(3, "flash")));
        var rebooted = new CommandDispatcher(storage, "commands.dat", 4);
        rebooted.Register("flash", handler);
        var result = rebooted.Dispatch(Command(3, "flash"));

        Assert.Equal(CommandResultPayload.Failed, result.Status);
        Assert.Equal(1, handler.Runs);
    }

    internal static CommandPayload Command(uint id, string name) => new() { CommandId = id, Name = name };

    private sealed class CountingHandler : ICommandHandler
    {
        public int Runs { get; private set; }

        public int Handle(CommandPayload command, out string detail)
        {
            Runs++;
            detail = "ran " + Runs;
            return CommandResultPayload.Ok;
        }
    }

    private sealed class ThrowingHandler(string message) : ICommandHandler
    {
        public int Handle(CommandPayload command, out string detail) => throw new InvalidOperationException(message);
    }

    private sealed class PowerCutHandler(MemoryStorage storage) : ICommandHandler
    {
        public int Runs { get; private set; }

        public int Handle(CommandPayload command, out string detail)
        {
            Runs++;
            // The power goes before the dispatcher can store the result.
            storage.CutNextWrite(0);
            detail = "";
            return CommandResultPayload.Ok;
        }
    }
}
