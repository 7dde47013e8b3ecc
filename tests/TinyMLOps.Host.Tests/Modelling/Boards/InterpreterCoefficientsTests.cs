using System.Globalization;
using System.Text.RegularExpressions;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Host.Tests.Modelling.Boards;

/// <summary>boards/*.json's derived cyclesPerMacInterpreted agree with their stated derivation and with InterpreterCoefficients.</summary>
public sealed partial class InterpreterCoefficientsTests
{
    [Fact]
    public void Every_board_has_a_plain_c_figure_and_its_interpreted_coefficient_is_factor_times_it()
    {
        foreach (var board in BoardCatalog.Default.All)
        {
            var plainC = Assert.Single(InterpreterCoefficients.PlainC, p => p.BoardId == board.Id);
            var m = Derivation().Match(board.CoefficientSource);

            Assert.True(m.Success, board.Id + ": coefficientSource should start with the derivation: " + board.CoefficientSource);
            Assert.True(board.CoefficientsAreEstimates, board.Id + ": derived, not measured on the board");
            Assert.Equal(plainC.CyclesPerMac, double.Parse(m.Groups["c"].Value, CultureInfo.InvariantCulture));
            Assert.Equal(InterpreterCoefficients.Derive(double.Parse(m.Groups["f"].Value, CultureInfo.InvariantCulture), plainC), board.CyclesPerMacInterpreted);
            Assert.Equal(board.CyclesPerMacInterpreted, double.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"^derived: interpreted = (?<f>[\d.]+) \(interpreter factor: .*?\) x (?<c>[\d.]+) cycles/MAC for plain C int8 reference kernels on this core \(.*?\) = (?<d>\d+); ")]
    private static partial Regex Derivation();
}
