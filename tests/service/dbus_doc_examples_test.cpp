// The busctl examples of docs/DBUS.md work as written, against the real
// minionsd (Cloud Hypervisor double) on the private bus: every `busctl` line
// of the page's sh blocks (but `monitor`, which never ends) runs in order and
// exits 0, with <id> standing for the VM named web when the line runs.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "service_fixture.hpp"

namespace minions::test {
namespace {

struct Example {
    std::string section;  // the "## ..." heading above it
    std::string command;
};

std::vector<Example> busctl_examples() {
    std::ifstream page(std::string(MINIONS_SOURCE_DIR) + "/docs/DBUS.md");
    std::vector<Example> examples;
    std::string line, section;
    bool in_sh = false;
    while (std::getline(page, line)) {
        if (line.rfind("## ", 0) == 0) section = line;
        if (line.rfind("```", 0) == 0) {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if (in_sh && line.rfind("busctl ", 0) == 0 && line.rfind("busctl monitor", 0) != 0)
            examples.push_back({section, line});
    }
    return examples;
}

class DbusDocExamples : public ServiceTest {
protected:
    std::string id_of_web() {
        std::string path = find_vm("web");
        return path.substr(path.rfind('/') + 1);
    }

    void run_example(const std::string& command, const std::string& id) {
        std::string line = command;
        for (auto at = line.find("<id>"); at != std::string::npos; at = line.find("<id>"))
            line.replace(at, 4, id);
        CommandResult r = run_as(root_identity(), {"sh", "-c", line});
        EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.out << r.err;
    }
};

TEST_F(DbusDocExamples, EveryBusctlExampleRunsAsWritten) {
    auto examples = busctl_examples();
    ASSERT_GE(examples.size(), 10u) << "docs/DBUS.md lost its busctl examples";
    create("web");
    std::string id = id_of_web();
    bool acting = false;
    for (const auto& example : examples) {
        if (!acting && example.section == "## Acting (polkit)") {
            // The acting examples start with a Create of web.
            ASSERT_TRUE(call_vm("web", "Destroy", [](sdbus::MethodCall& m) { m << false; }).ok);
            acting = true;
        }
        run_example(example.command, id);
        if (example.command.find(" Create ") != std::string::npos) id = id_of_web();
    }
    EXPECT_TRUE(acting) << "no examples under '## Acting (polkit)'";
}

}  // namespace
}  // namespace minions::test
