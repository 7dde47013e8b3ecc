using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The model roles: one numbering on the device and the wire (docs/protocol.md: 1 plugged, 2 battery).</summary>
public class ModelRolesTests
{
    [Fact]
    public void Roles_carry_the_wire_numbers_and_readable_names()
    {
        Assert.Equal((0, 1, 2), ((int)ModelRole.None, (int)ModelRole.Plugged, (int)ModelRole.Battery));
        Assert.Equal((VariantAssignment.RolePlugged, VariantAssignment.RoleBattery), ((int)ModelRole.Plugged, (int)ModelRole.Battery));
        Assert.Equal(("plugged", "battery", "none", "role-7"), (ModelRoles.Name(ModelRole.Plugged), ModelRoles.Name(ModelRole.Battery), ModelRoles.Name(ModelRole.None), ModelRoles.Name((ModelRole)7)));
        Assert.Equal(("plugged", "role-0"), (VariantAssignment.RoleName(1), VariantAssignment.RoleName(0)));
    }

    [Fact]
    public void Only_the_slot_roles_index_per_role_arrays_in_the_hello_order()
    {
        Assert.Equal((0, 1), (ModelRoles.Index(ModelRole.Plugged), ModelRoles.Index(ModelRole.Battery)));
        Assert.Equal(ModelRoles.Count, ModelRoles.Index(ModelRole.Battery) + 1);
        Assert.Equal((ModelRole.Battery, ModelRole.Plugged), (ModelRoles.Other(ModelRole.Plugged), ModelRoles.Other(ModelRole.Battery)));
        Assert.Equal([false, true, true, false], new[] { 0, 1, 2, 3 }.Select(ModelRoles.IsSlot));
    }
}
