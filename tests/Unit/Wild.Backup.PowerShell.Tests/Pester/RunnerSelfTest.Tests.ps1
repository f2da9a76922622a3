# Fixture for PesterRunnerTests: each It's name says whether PesterLite must pass or fail it.
BeforeAll { $shared = 41 }

Describe 'passing' {
    BeforeEach { $each = 1 }
    It 'pass: BeforeAll and BeforeEach variables are visible' { ($shared + $each) | Should -Be 42 }
    It 'pass: arrays compare element-wise' { @(1, 2, 3) | Should -Be @(1, 2, 3) }
    It 'pass: -Not inverts' { 5 | Should -Not -Be 6 }
    It 'pass: -Throw with message and id' { { throw [System.InvalidOperationException]::new('boom here') } | Should -Throw -ExpectedMessage '*boom*' }
    It 'pass: <n> doubled is <d>' -TestCases @(@{ n = 2; d = 4 }, @{ n = 3; d = 6 }) { ($n * 2) | Should -Be $d }
    It 'pass: empty pipeline is null or empty' { @() | Should -BeNullOrEmpty }
    Context 'nested' {
        BeforeAll { $inner = 'x' }
        It 'pass: outer and inner setup both visible' { "$shared$inner" | Should -Be '41x' }
    }
}

Describe 'failing' {
    It 'fail: wrong value' { 1 | Should -Be 2 }
    It 'fail: array length differs' { @(1, 2) | Should -Be @(1, 2, 3) }
    It 'fail: expected a throw' { { 'fine' } | Should -Throw }
    It 'fail: exact case' { 'ABC' | Should -BeExactly 'abc' }
    It 'fail: count' { @(1, 2, 3) | Should -HaveCount 2 }
    It 'fail: a throw inside the test' { throw 'unexpected' }
    It 'fail: <v> is not true' -TestCases @(@{ v = 0 }) { $v | Should -BeTrue }
}

Describe 'failing setup' {
    BeforeAll { throw 'setup broke' }
    It 'fail: runs under a broken BeforeAll' { 1 | Should -Be 1 }
}
